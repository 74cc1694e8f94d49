//! What the API answers when a request fails: always a JSON body `{"error": "..."}`.
//!
//! A database failure is logged with its detail and answered with a generic 500, so no SQL
//! and nothing of another store's data reaches the client.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    #[error("DATABASE_URL must start with postgres://, postgresql:// or sqlite:")]
    UnknownDatabase,
    #[error("invalid schema: {0}")]
    Schema(#[from] multitenant::SchemaError),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("cannot create the tables: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A request that failed.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// The current store has no such row (whether another store has one is not said).
    NotFound(&'static str),
    /// The change would break a reference.
    Conflict(&'static str),
    /// The request is malformed (bad JSON, missing fields, a bad path) or fails validation.
    Invalid(StatusCode, String),
    /// The database failed; the detail is logged, not answered.
    Database(multitenant_sqlx::Error),
}

impl From<multitenant_sqlx::Error> for ApiError {
    fn from(error: multitenant_sqlx::Error) -> Self {
        Self::Database(error)
    }
}

impl ApiError {
    pub(crate) fn unprocessable(message: &str) -> Self {
        Self::Invalid(StatusCode::UNPROCESSABLE_ENTITY, message.to_owned())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::NotFound(what) => (StatusCode::NOT_FOUND, format!("no such {what} in this store")),
            Self::Conflict(message) => (StatusCode::CONFLICT, message.to_owned()),
            Self::Invalid(status, message) => (status, message),
            Self::Database(error) => {
                tracing::error!(%error, "database error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error: the request failed".to_owned())
            }
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

/// A JSON request body, whose rejections (bad JSON 400, missing or mistyped fields 422, no JSON
/// content type 415) are answered in JSON.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejected_json(rejection)),
        }
    }
}

fn rejected_json(rejection: JsonRejection) -> ApiError {
    ApiError::Invalid(rejection.status(), rejection.body_text())
}

/// The `{id}` of a path, whose rejection (not a number) is answered in JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Id(pub(crate) i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<i64>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Self(id)),
            Err(rejection) => Err(rejected_path(rejection)),
        }
    }
}

fn rejected_path(rejection: PathRejection) -> ApiError {
    ApiError::Invalid(rejection.status(), rejection.body_text())
}
