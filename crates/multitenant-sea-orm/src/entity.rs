//! Tenant-aware entities: an entity declares its tenant column ([`TenantEntity`]) or that it is
//! shared by all tenants ([`ReferenceEntity`]), next to its SeaORM definition, and
//! [`TenantSchema`] builds the core's [`multitenant::Schema`] from the entities: their tables,
//! their tenant columns, and the foreign keys their relations declare.
//!
//! A relation between two tenant entities must carry the tenant column on both sides
//! (`(store_id, product_id) -> (store_id, id)`), or the build fails
//! ([`EntityError::KeyWithoutTenantColumn`]). The core's schema does not ask this of a foreign
//! key: there a key only says how rows relate (`(product_id) -> (id)` is a valid declaration,
//! and the rewriter equates the tenant columns itself). An entity's relation is its table's
//! real foreign key, the one the database enforces, so here it must keep a row from
//! referencing another tenant's row (and Citus refuses it otherwise, fact C2).
//!
//! ```
//! use multitenant_sea_orm::{ReferenceEntity, TenantEntity, TenantSchema};
//!
//! mod store {
//!     use sea_orm::entity::prelude::*;
//!
//!     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
//!     #[sea_orm(table_name = "stores")]
//!     pub struct Model {
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub id: i64,
//!         pub name: String,
//!     }
//!
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//!
//! mod country {
//!     use sea_orm::entity::prelude::*;
//!
//!     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
//!     #[sea_orm(table_name = "countries")]
//!     pub struct Model {
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub code: String,
//!     }
//!
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//!
//! impl TenantEntity for store::Entity {
//!     const TENANT_COLUMN: store::Column = store::Column::Id;
//! }
//! impl ReferenceEntity for country::Entity {}
//!
//! let schema = TenantSchema::new().tenant::<store::Entity>().reference::<country::Entity>().build()?;
//! let expected = multitenant::Schema::builder().tenant_table("stores", "id").reference_table("countries").build()?;
//! assert_eq!(schema, expected);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use sea_orm::sea_query::{TableName, TableRef};
use sea_orm::{EntityTrait, IdenStatic, Iterable, RelationDef, RelationTrait, RelationType};

use multitenant::{Schema, SchemaError, TenantType};

/// An entity whose rows each belong to one tenant, named by [`TENANT_COLUMN`](Self::TENANT_COLUMN)
/// (django-multitenant's `TenantModel` with `tenant_field_name`).
///
/// The tenant table's owner (`stores`, whose `id` is the tenant) is one too, by its own key.
pub trait TenantEntity: EntityTrait {
    /// The column that names the row's tenant.
    const TENANT_COLUMN: Self::Column;
}

/// An entity shared by all tenants (a Citus reference table): never filtered.
pub trait ReferenceEntity: EntityTrait {}

/// A relation between tenant entities whose key leaves the tenant column out: see
/// [`EntityError::KeyWithoutTenantColumn`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "relation {relation} from {table} ({}) to {references} ({}) lacks the tenant column: make it a \
     composite key that includes it on both sides, in the same position, e.g. \
     ({tenant_column}, {}) -> ({referenced_tenant_column}, {})",
    columns.join(", "), referenced_columns.join(", "), columns.join(", "), referenced_columns.join(", ")
)]
#[non_exhaustive]
pub struct KeyWithoutTenant {
    /// The relation, as `Entity::Relation` debug-prints it (e.g. `Product`).
    pub relation: String,
    /// The table holding the key.
    pub table: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// Its tenant column.
    pub tenant_column: String,
    /// The referenced table.
    pub references: String,
    /// The referenced columns.
    pub referenced_columns: Vec<String>,
    /// The referenced table's tenant column.
    pub referenced_tenant_column: String,
}

/// Builds a [`multitenant::Schema`] from entities. Setters take `&mut self`; [`build`](Self::build)
/// checks and does not consume the builder.
///
/// Each registered entity's `BelongsTo` relations to other registered entities become the
/// schema's foreign keys (the side that holds the key declares it); relations to entities not
/// registered are left out, like the tables themselves.
#[derive(Debug, Clone, Default)]
pub struct TenantSchema {
    entities: Vec<Registered>,
    tenant_type: Option<TenantType>,
}

/// One entity as registered.
#[derive(Debug, Clone)]
struct Registered {
    table: EntityTable,
    tenant_column: Option<String>,
    relations: Vec<(String, RelationDef)>,
}

/// An entity's table: its schema, when it names one, and its name, both exact.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntityTable {
    schema: Option<String>,
    name: String,
}

/// A schema that cannot be built from the entities, and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntityError {
    /// A relation between two tenant entities whose key does not carry the tenant column on
    /// both sides, in the same position: a row could reference another tenant's row, and
    /// Citus refuses the foreign key between co-located tables.
    #[error(transparent)]
    KeyWithoutTenantColumn(Box<KeyWithoutTenant>),
    /// A relation from a reference entity (shared by all tenants) to a tenant entity: a shared
    /// row would point into one tenant's rows, and Citus refuses such a key (fact C3).
    #[error(
        "relation {relation} from the reference table {table} to the tenant table {references}: a row \
         shared by all tenants cannot reference one tenant's row; turn it around (the tenant table \
         references the reference table) or make {table} a tenant entity"
    )]
    ReferenceToTenant {
        /// The relation.
        relation: String,
        /// The reference table.
        table: String,
        /// The tenant table it references.
        references: String,
    },
    /// The core refused the schema (a table registered twice, a key whose column lists differ
    /// in length, an invalid name).
    #[error("the schema built from the entities is refused: {0}")]
    Schema(#[from] SchemaError),
}

impl TenantSchema {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a tenant entity.
    pub fn tenant<E: TenantEntity>(&mut self) -> &mut Self {
        let column = E::TENANT_COLUMN.as_str().to_owned();
        self.register::<E>(Some(column))
    }

    /// Registers a reference entity.
    pub fn reference<E: ReferenceEntity>(&mut self) -> &mut Self {
        self.register::<E>(None)
    }

    /// Declares the type of every tenant column ([`multitenant::SchemaBuilder::tenant_type`]).
    pub fn tenant_type(&mut self, tenant_type: TenantType) -> &mut Self {
        self.tenant_type = Some(tenant_type);
        self
    }

    fn register<E: EntityTrait>(&mut self, tenant_column: Option<String>) -> &mut Self {
        let entity = E::default();
        let table = EntityTable {
            schema: entity.schema_name().map(str::to_owned),
            name: entity.table_name().to_owned(),
        };
        let relations = <E::Relation as Iterable>::iter().map(|r| (r.name(), r.def())).collect();
        self.entities.push(Registered { table, tenant_column, relations });
        self
    }

    /// Checks the relations and builds the schema.
    pub fn build(&self) -> Result<Schema, EntityError> {
        let mut builder = Schema::builder();
        if let Some(tenant_type) = self.tenant_type {
            builder.tenant_type(tenant_type);
        }
        for entity in &self.entities {
            let name = entity.table.sql();
            match &entity.tenant_column {
                Some(column) => builder.tenant_table(&name, &quote(column)),
                None => builder.reference_table(&name),
            };
        }
        for entity in &self.entities {
            for (relation, def) in &entity.relations {
                self.foreign_key(entity, relation, def, &mut builder)?;
            }
        }
        Ok(builder.build()?)
    }

    /// Declares `def` when it is a key `entity` holds to a registered entity, after checking it.
    fn foreign_key(
        &self,
        entity: &Registered,
        relation: &str,
        def: &RelationDef,
        builder: &mut multitenant::SchemaBuilder,
    ) -> Result<(), EntityError> {
        let Some(referenced) = self.holds_key_to(entity, def) else { return Ok(()) };
        let columns: Vec<String> = def.from_col.iter().map(ToString::to_string).collect();
        let referenced_columns: Vec<String> = def.to_col.iter().map(ToString::to_string).collect();
        let key =
            Key { relation, entity, columns: &columns, referenced, referenced_columns: &referenced_columns };
        key.check()?;
        let quoted = |c: &[String]| c.iter().map(|c| quote(c)).collect::<Vec<_>>();
        let (from, to) = (quoted(&columns), quoted(&referenced_columns));
        builder.foreign_key(
            &entity.table.sql(),
            from.iter().map(String::as_str),
            &referenced.table.sql(),
            to.iter().map(String::as_str),
        );
        Ok(())
    }

    /// The registered entity `def` references, when `def` is a `BelongsTo` relation of
    /// `entity` (SeaORM builds those with `is_owner` false; `has_one`/`has_many` are the
    /// reverse of another entity's key).
    fn holds_key_to(&self, entity: &Registered, def: &RelationDef) -> Option<&Registered> {
        let belongs_to = def.rel_type == RelationType::HasOne && !def.is_owner;
        if !belongs_to || !EntityTable::of(&def.from_tbl).is_some_and(|t| t == entity.table) {
            return None;
        }
        let to = EntityTable::of(&def.to_tbl)?;
        self.entities.iter().find(|e| e.table == to)
    }
}

/// A key between two registered entities, to check.
struct Key<'a> {
    relation: &'a str,
    entity: &'a Registered,
    columns: &'a [String],
    referenced: &'a Registered,
    referenced_columns: &'a [String],
}

impl Key<'_> {
    /// Between tenant entities the tenant columns must be paired (the rule Citus applies to
    /// co-located tables, fact C2); a reference entity may not reference a tenant entity (C3).
    fn check(&self) -> Result<(), EntityError> {
        let (table, references) = (self.entity.table.to_string(), self.referenced.table.to_string());
        match (&self.entity.tenant_column, &self.referenced.tenant_column) {
            (Some(tenant), Some(referenced_tenant)) => {
                let paired = self
                    .columns
                    .iter()
                    .zip(self.referenced_columns)
                    .any(|(c, r)| c == tenant && r == referenced_tenant);
                match paired {
                    true => Ok(()),
                    false => Err(EntityError::KeyWithoutTenantColumn(Box::new(KeyWithoutTenant {
                        relation: self.relation.to_owned(),
                        table,
                        columns: self.columns.to_vec(),
                        tenant_column: tenant.clone(),
                        references,
                        referenced_columns: self.referenced_columns.to_vec(),
                        referenced_tenant_column: referenced_tenant.clone(),
                    }))),
                }
            }
            (None, Some(_)) => {
                Err(EntityError::ReferenceToTenant { relation: self.relation.to_owned(), table, references })
            }
            _ => Ok(()),
        }
    }
}

impl EntityTable {
    /// The table a relation names, when it names a table.
    fn of(table: &TableRef) -> Option<Self> {
        match table {
            TableRef::Table(TableName(schema, name), _) => {
                Some(Self { schema: schema.as_ref().map(|s| s.1.to_string()), name: name.to_string() })
            }
            _ => None,
        }
    }

    /// The name as the core parses it: quoted, so that it stays exact.
    fn sql(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quote(schema), quote(&self.name)),
            None => quote(&self.name),
        }
    }
}

impl std::fmt::Display for EntityTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// `name` as a quoted SQL identifier (SeaORM quotes every name it writes, so it is exact).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
