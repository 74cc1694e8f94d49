//! SeaORM entities for django-multitenant's store schema: `stores` (the tenants), `products`
//! and `purchases` keyed by `(store_id, id)` with a composite foreign key, the reference table
//! `categories`, and the tenant join table `product_categories` between products and
//! categories.

pub mod stores {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "stores")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod categories {
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
        #[sea_orm(has_many = "super::product_categories::Entity")]
        ProductCategories,
    }

    impl Related<super::product_categories::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::ProductCategories.def()
        }
    }

    impl Related<super::products::Entity> for Entity {
        fn to() -> RelationDef {
            super::product_categories::Relation::Product.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::product_categories::Relation::Category.def().rev())
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod products {
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
        #[sea_orm(has_many = "super::purchases::Entity")]
        Purchases,
        #[sea_orm(has_many = "super::product_categories::Entity")]
        ProductCategories,
    }

    impl Related<super::purchases::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Purchases.def()
        }
    }

    impl Related<super::product_categories::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::ProductCategories.def()
        }
    }

    impl Related<super::categories::Entity> for Entity {
        fn to() -> RelationDef {
            super::product_categories::Relation::Category.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::product_categories::Relation::Product.def().rev())
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod purchases {
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
            belongs_to = "super::products::Entity",
            from = "(Column::StoreId, Column::ProductId)",
            to = "(super::products::Column::StoreId, super::products::Column::Id)"
        )]
        Product,
    }

    impl Related<super::products::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod product_categories {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "product_categories")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub store_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub product_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub category_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::products::Entity",
            from = "(Column::StoreId, Column::ProductId)",
            to = "(super::products::Column::StoreId, super::products::Column::Id)"
        )]
        Product,
        #[sea_orm(
            belongs_to = "super::categories::Entity",
            from = "Column::CategoryId",
            to = "super::categories::Column::Id"
        )]
        Category,
    }

    impl Related<super::products::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl Related<super::categories::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Category.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}
