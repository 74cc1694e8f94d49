//! The task's tenant scope: set, nested, restored, carried into spawned tasks, and absent.

use multitenant::{
    Scope, ScopeExt, TenantId, current_scope, current_tenant, unscoped, with_scope_sync, with_tenant,
    with_tenant_sync, with_tenants,
};

#[tokio::test]
async fn no_scope_outside() {
    assert_eq!(current_scope(), None);
    assert_eq!(current_tenant(), None);
}

#[tokio::test]
async fn nesting_overrides_and_restores() {
    with_tenant(1_i64, async {
        assert_eq!(current_tenant(), Some(TenantId::I64(1)));
        with_tenant(2_i64, async {
            assert_eq!(current_tenant(), Some(TenantId::I64(2)));
            unscoped(async { assert_eq!(current_scope(), Some(Scope::Unscoped)) }).await;
            assert_eq!(current_tenant(), Some(TenantId::I64(2)));
        })
        .await;
        assert_eq!(current_tenant(), Some(TenantId::I64(1)));
    })
    .await;
    assert_eq!(current_scope(), None);
}

#[tokio::test]
async fn several_tenants() {
    with_tenants([3_i64, 4, 3], async {
        let Some(Scope::Tenants(set)) = current_scope() else { panic!("a tenant set") };
        assert_eq!(set.as_slice(), &[TenantId::I64(3), TenantId::I64(4)], "deduplicated, in order");
        assert_eq!(current_tenant(), None, "no single tenant");
    })
    .await;
}

#[tokio::test]
async fn empty_tenant_list_masks_outer_scope() {
    with_tenant(1_i64, async {
        with_tenants(Vec::<i64>::new(), async { assert_eq!(current_scope(), None) }).await;
    })
    .await;
}

#[tokio::test]
async fn spawned_tasks_need_the_scope_carried() {
    with_tenant("acme", async {
        let plain = tokio::spawn(async { current_tenant() }).await.expect("task ran");
        assert_eq!(plain, None, "tokio::spawn does not inherit task-locals");
        let carried = multitenant::spawn(async { current_tenant() }).await.expect("task ran");
        assert_eq!(carried, Some(TenantId::from("acme")));
        let wrapped = tokio::spawn(async { current_tenant() }.in_current_scope()).await.expect("task ran");
        assert_eq!(wrapped, Some(TenantId::from("acme")));
    })
    .await;
}

#[test]
fn blocking_code() {
    let seen = with_tenant_sync(uuid_tenant(), || with_scope_sync(Scope::tenant(5_i32), current_tenant));
    assert_eq!(seen, Some(TenantId::I32(5)));
    assert_eq!(with_tenant_sync(uuid_tenant(), current_tenant), Some(uuid_tenant()));
    assert_eq!(current_tenant(), None);
}

fn uuid_tenant() -> TenantId {
    TenantId::Uuid(uuid::Uuid::from_u128(0x1234))
}

#[test]
fn rewriter_is_shareable_across_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<multitenant::Rewriter>();
    assert_send_sync::<multitenant::Rewritten>();
    assert_send_sync::<Scope>();
}
