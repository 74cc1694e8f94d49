//! The entities, each with its tenant declaration next to it.

use multitenant_sea_orm::{ReferenceEntity, TenantEntity};

pub mod store {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "stores")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::product::Entity")]
        Product,
    }

    impl Related<super::product::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod category {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "categories")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::product::Entity")]
        Product,
    }

    impl Related<super::product::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod product {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "products")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub store_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub price_cents: i64,
        pub category_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::store::Entity",
            from = "Column::StoreId",
            to = "super::store::Column::Id"
        )]
        Store,
        #[sea_orm(
            belongs_to = "super::category::Entity",
            from = "Column::CategoryId",
            to = "super::category::Column::Id"
        )]
        Category,
        #[sea_orm(has_many = "super::purchase::Entity")]
        Purchase,
    }

    impl Related<super::store::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Store.def()
        }
    }

    impl Related<super::category::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Category.def()
        }
    }

    impl Related<super::purchase::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Purchase.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod purchase {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "purchases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub store_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub product_id: i64,
        pub quantity: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::store::Entity",
            from = "Column::StoreId",
            to = "super::store::Column::Id"
        )]
        Store,
        #[sea_orm(
            belongs_to = "super::product::Entity",
            from = "(Column::StoreId, Column::ProductId)",
            to = "(super::product::Column::StoreId, super::product::Column::Id)"
        )]
        Product,
    }

    impl Related<super::product::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A purchase whose key to its product lacks the tenant column: `(product_id) -> (id)`.
pub mod bad_purchase {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "purchases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub store_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub product_id: i64,
        pub quantity: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::product::Entity",
            from = "Column::ProductId",
            to = "super::product::Column::Id"
        )]
        Product,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A table shared by all tenants that references one tenant's product.
pub mod shared_note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub store_id: i64,
        pub product_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::product::Entity",
            from = "(Column::StoreId, Column::ProductId)",
            to = "(super::product::Column::StoreId, super::product::Column::Id)"
        )]
        Product,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl ReferenceEntity for shared_note::Entity {}

impl TenantEntity for store::Entity {
    const TENANT_COLUMN: store::Column = store::Column::Id;
}

impl TenantEntity for product::Entity {
    const TENANT_COLUMN: product::Column = product::Column::StoreId;
}

impl TenantEntity for purchase::Entity {
    const TENANT_COLUMN: purchase::Column = purchase::Column::StoreId;
}

impl TenantEntity for bad_purchase::Entity {
    const TENANT_COLUMN: bad_purchase::Column = bad_purchase::Column::StoreId;
}

impl ReferenceEntity for category::Entity {}

/// The schema built from the entities.
pub fn schema() -> multitenant::Schema {
    multitenant_sea_orm::TenantSchema::new()
        .tenant::<store::Entity>()
        .tenant::<product::Entity>()
        .tenant::<purchase::Entity>()
        .reference::<category::Entity>()
        .build()
        .expect("the entities' schema")
}
