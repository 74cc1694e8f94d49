//! The entities, each with its tenant declaration beside it (django-multitenant's
//! `TenantModel` with `TenantMeta.tenant_field_name`).

use multitenant_sea_orm::TenantEntity;

/// A store: the tenant. Its own row belongs to it by its id.
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

/// A product of a store. Its key is `(store_id, id)`: ids repeat from store to store.
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
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::store::Entity",
            from = "Column::StoreId",
            to = "super::store::Column::Id"
        )]
        Store,
        #[sea_orm(has_many = "super::purchase::Entity")]
        Purchase,
    }

    impl Related<super::store::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Store.def()
        }
    }

    impl Related<super::purchase::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Purchase.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A purchase of a store's product: the relation to the product carries the store
/// (django-multitenant's `TenantForeignKey`).
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

    impl Related<super::store::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Store.def()
        }
    }

    impl Related<super::product::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl TenantEntity for store::Entity {
    const TENANT_COLUMN: store::Column = store::Column::Id;
}

impl TenantEntity for product::Entity {
    const TENANT_COLUMN: product::Column = product::Column::StoreId;
}

impl TenantEntity for purchase::Entity {
    const TENANT_COLUMN: purchase::Column = purchase::Column::StoreId;
}
