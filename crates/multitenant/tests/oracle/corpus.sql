-- The oracle's corpus. Data (see dataset.rs): tenants 1, 2, 3; each has campaigns 1..3
-- ('t<T> campaign <C>', budget 100*T+C), ads 1..5 (campaign A%3+1, geo A%2+1,
-- 't<T> ad <A>', clicks 10*T+A), "Visits" 1..2, analytics.events 1..4 (PostgreSQL);
-- geo (1 north, 2 south, 3 east) and settings are shared. The default scope is tenant 2.

---------------------------------------------------------------- reads: single table
-- name: point_read
-- dialects: postgres
-- params: 3
SELECT id, title, clicks FROM ads WHERE id = $1

-- name: point_read_sqlite
-- dialects: sqlite
-- params: 3
SELECT id, title, clicks FROM ads WHERE id = ?

-- name: count_all
SELECT count(*) FROM ads

-- name: select_star
SELECT * FROM campaigns

-- name: tenant_table_itself
SELECT name FROM companies

-- name: or_stays_grouped
SELECT id, title FROM ads WHERE id = 1 OR id = 2

-- name: and_or_mix
SELECT id FROM ads WHERE id = 1 AND clicks > 0 OR title LIKE '%ad 5'

-- name: not_in_list
SELECT id FROM ads WHERE NOT id IN (1, 2)

-- name: between_and
SELECT id FROM ads WHERE clicks BETWEEN 13 AND 23

-- name: order_limit
-- ordered
SELECT title FROM ads ORDER BY clicks DESC LIMIT 2

-- name: limit_parameter_after_where
-- dialects: postgres
-- params: 1, 2
SELECT title FROM ads WHERE id > $1 ORDER BY id LIMIT $2

-- name: limit_parameter_after_where_sqlite
-- dialects: sqlite
-- params: 1, 2
SELECT title FROM ads WHERE id > ? ORDER BY id LIMIT ?

-- name: numbered_parameters_reordered_sqlite
-- dialects: sqlite
-- params: 't_ ad %', 4
SELECT id, title FROM ads WHERE id = ?2 AND title LIKE ?1

-- name: text_parameter
-- dialects: postgres
-- params: 't_ ad 4'
SELECT id, title FROM ads WHERE title LIKE $1

-- name: group_by_having
SELECT campaign_id, count(*) AS n FROM ads GROUP BY campaign_id HAVING count(*) > 1

-- name: distinct
SELECT DISTINCT campaign_id, clicks / 10 FROM ads

-- name: upper_case_names
SELECT ID, TITLE FROM ADS WHERE ID < 3

-- name: quoted_lower_case_name
SELECT id FROM "ads" WHERE id < 3

-- name: quoted_upper_case_table
SELECT id, ad_id FROM "Visits"

-- name: schema_qualified_public
-- dialects: postgres
SELECT id FROM public.ads WHERE id < 3

-- name: schema_qualified_main
-- dialects: sqlite
SELECT id FROM main.ads WHERE id < 3

-- name: regression_from_only
-- dialects: postgres
SELECT id, title FROM ONLY ads WHERE id < 3

-- name: regression_delete_from_only
-- dialects: postgres
DELETE FROM ONLY "Visits" WHERE id = 1 RETURNING company_id, id

-- name: schema_qualified_declared
-- dialects: postgres
SELECT id, kind FROM analytics.events

-- name: view_declared_as_tenant
SELECT campaign_id, ad_count FROM ad_stats

-- name: for_update
-- dialects: postgres
SELECT id FROM ads WHERE id = 1 FOR UPDATE

-- name: window_function
SELECT id, rank() OVER (ORDER BY clicks DESC) FROM ads

-- name: case_expression
SELECT id, CASE WHEN clicks > 23 THEN 'hot' ELSE 'cold' END FROM ads

---------------------------------------------------------------- reads: joins
-- name: inner_join
SELECT a.title, c.name FROM ads a JOIN campaigns c ON a.campaign_id = c.id

-- name: inner_join_no_alias
SELECT ads.title, campaigns.name FROM ads JOIN campaigns ON ads.campaign_id = campaigns.id

-- name: comma_join
SELECT a.title, c.name FROM ads a, campaigns c WHERE a.campaign_id = c.id AND c.id = 2

-- name: three_table_join
SELECT co.name, c.name, a.title FROM companies co JOIN campaigns c ON c.company_id = co.id JOIN ads a ON a.campaign_id = c.id

-- name: join_reference_table
SELECT a.title, g.name FROM ads a JOIN geo g ON g.id = a.geo_id

-- name: left_join
SELECT c.name, a.title FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id AND a.clicks > 23

-- name: left_join_anti
SELECT c.name FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id AND a.clicks > 24 WHERE a.id IS NULL

-- name: left_join_reference_to_tenant
SELECT g.name, a.title FROM geo g LEFT JOIN ads a ON a.geo_id = g.id

-- name: left_join_reference_count
SELECT g.name, count(a.id) FROM geo g LEFT JOIN ads a ON a.geo_id = g.id GROUP BY g.name

-- name: right_join
SELECT a.title, g.name FROM ads a RIGHT JOIN geo g ON a.geo_id = g.id

-- name: right_join_tenant_both
SELECT a.title, c.name FROM ads a RIGHT JOIN campaigns c ON a.campaign_id = c.id AND a.clicks > 24

-- name: full_join
SELECT c.name, a.title FROM campaigns c FULL JOIN ads a ON a.campaign_id = c.id AND a.clicks > 23

-- name: full_join_reference
SELECT g.name, a.title FROM geo g FULL JOIN ads a ON a.geo_id = g.id AND a.clicks > 22

-- name: cross_join
SELECT c.id, g.id FROM campaigns c CROSS JOIN geo g WHERE g.id = 1

-- name: join_using
-- dialects: postgres
SELECT company_id, c.name, a.title FROM campaigns c JOIN ads a USING (company_id) WHERE a.id = 1

-- name: left_join_using
SELECT v.id, a.title FROM "Visits" v LEFT JOIN ads a USING (company_id) WHERE a.id = 1 OR a.id IS NULL

-- name: natural_join
-- dialects: postgres
SELECT id, title, budget FROM ads NATURAL JOIN campaigns

-- name: nested_join_on_nullable_side
SELECT co.name, c.name, a.title FROM companies co LEFT JOIN (campaigns c JOIN ads a ON a.campaign_id = c.id AND a.clicks > 23) ON c.company_id = co.id

-- name: inner_then_right
SELECT a.title, g.name FROM ads a JOIN campaigns c ON a.campaign_id = c.id RIGHT JOIN geo g ON g.id = a.geo_id

-- name: self_join
SELECT a.id, b.id FROM ads a JOIN ads b ON a.campaign_id = b.campaign_id AND a.id < b.id

-- name: lateral_join
-- dialects: postgres
SELECT c.name, x.title FROM campaigns c CROSS JOIN LATERAL (SELECT a.title FROM ads a WHERE a.campaign_id = c.id ORDER BY a.clicks DESC LIMIT 1) x

-- name: alias_shadows_other_table
SELECT ads.name FROM campaigns AS ads

-- name: alias_shadows_join
SELECT campaigns.title FROM campaigns AS x JOIN ads AS campaigns ON campaigns.campaign_id = x.id

---------------------------------------------------------------- reads: subqueries
-- name: exists_subquery
SELECT c.name FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.clicks > 24)

-- name: not_exists_subquery
SELECT c.name FROM campaigns c WHERE NOT EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.clicks > 23)

-- name: in_subquery
SELECT title FROM ads WHERE campaign_id IN (SELECT id FROM campaigns WHERE budget > 201)

-- name: in_subquery_from_reference
SELECT name FROM geo WHERE id IN (SELECT geo_id FROM ads WHERE clicks = 15)

-- name: scalar_subquery_select_list
SELECT c.name, (SELECT count(*) FROM ads a WHERE a.campaign_id = c.id) FROM campaigns c

-- name: uncorrelated_scalar_subquery
SELECT (SELECT max(clicks) FROM ads) AS top

-- name: subquery_in_having
SELECT campaign_id FROM ads GROUP BY campaign_id HAVING count(*) >= (SELECT count(*) FROM campaigns WHERE budget < 202)

-- name: subquery_in_on
SELECT g.name, a.title FROM geo g JOIN ads a ON a.geo_id = g.id AND a.campaign_id = (SELECT min(id) FROM campaigns WHERE budget > 201)

-- name: subquery_in_order_by
-- ordered
SELECT g.name FROM geo g ORDER BY (SELECT count(*) FROM ads a WHERE a.geo_id = g.id AND a.clicks > 23) DESC, g.name

-- name: subquery_in_limit
SELECT name FROM geo ORDER BY id LIMIT (SELECT count(*) FROM ads WHERE clicks > 23)

-- name: subquery_in_case
SELECT CASE WHEN (SELECT max(clicks) FROM ads) > 30 THEN 'big' ELSE 'small' END

-- name: subquery_in_function_argument
SELECT coalesce((SELECT max(budget) FROM campaigns), 0)

-- name: subquery_in_values
VALUES ((SELECT min(clicks) FROM ads))

-- name: derived_table
SELECT x.campaign_id, x.total FROM (SELECT campaign_id, sum(clicks) AS total FROM ads GROUP BY campaign_id) x

-- name: derived_table_join
SELECT c.name, x.n FROM campaigns c JOIN (SELECT campaign_id, count(*) AS n FROM ads GROUP BY campaign_id) x ON x.campaign_id = c.id

-- name: any_subquery
-- dialects: postgres
SELECT title FROM ads WHERE clicks > ALL (SELECT budget / 10 FROM campaigns WHERE id < 3)

---------------------------------------------------------------- reads: CTEs and set operations
-- name: cte
WITH top AS (SELECT id, clicks FROM ads WHERE clicks > 22) SELECT id FROM top

-- name: cte_shadows_tenant_table
-- insensitive: the CTE named ads is not the table; nothing touches a tenant table
WITH ads AS (SELECT 1 AS id, 'cte' AS title) SELECT id, title FROM ads

-- name: cte_shadow_and_table_in_body
WITH ads AS (SELECT id FROM campaigns) SELECT count(*) FROM ads

-- name: cte_defined_after_use_is_the_table
-- dialects: postgres
WITH a AS (SELECT id, title FROM ads), ads AS (SELECT 99 AS id) SELECT a.title FROM a JOIN ads ON true

-- name: regression_sqlite_later_cte_is_visible_to_earlier
-- dialects: sqlite
WITH a AS (SELECT id FROM ads), ads AS (SELECT id, name FROM campaigns) SELECT a.id FROM a

-- name: cte_visible_in_subquery
WITH c AS (SELECT id FROM campaigns WHERE budget > 201) SELECT title FROM ads WHERE campaign_id IN (SELECT id FROM c)

-- name: recursive_cte
WITH RECURSIVE r(n, total) AS (SELECT 1, (SELECT sum(clicks) FROM ads) UNION ALL SELECT n + 1, total FROM r WHERE n < 2) SELECT n, total FROM r

-- name: recursive_cte_walks_tenant_rows
WITH RECURSIVE chain AS (SELECT id, campaign_id FROM ads WHERE clicks = 11 UNION SELECT a.id, a.campaign_id FROM ads a JOIN chain ON a.id = chain.campaign_id) SELECT id FROM chain

-- name: union
SELECT title AS label FROM ads WHERE id < 3 UNION SELECT name FROM campaigns WHERE id = 1

-- name: union_with_reference
SELECT name FROM geo UNION ALL SELECT title FROM ads WHERE id = 2

-- name: intersect
SELECT campaign_id FROM ads INTERSECT SELECT id FROM campaigns WHERE budget > 202

-- name: except
SELECT id FROM campaigns EXCEPT SELECT campaign_id FROM ads WHERE clicks > 24

---------------------------------------------------------------- statements that touch no tenant table
-- name: reference_only
-- insensitive: geo is shared by all tenants
SELECT id, name FROM geo

-- name: other_table_only
-- insensitive: settings is not a tenant table
SELECT key, value FROM settings

-- name: reference_update
-- insensitive: geo is shared by all tenants
UPDATE geo SET name = 'west' WHERE id = 3

-- name: reference_only_without_tenant
-- scope: none
SELECT id, name FROM geo

---------------------------------------------------------------- writes
-- name: update
UPDATE ads SET clicks = clicks + 1 WHERE id = 2

-- name: update_all
UPDATE campaigns SET budget = 0

-- name: update_returning
UPDATE ads SET title = 'renamed' WHERE campaign_id = 1 RETURNING id, title

-- name: update_with_parameters
-- dialects: postgres
-- params: 'p', 3
UPDATE ads SET title = $1 WHERE id = $2 RETURNING company_id, id

-- name: update_with_parameters_sqlite
-- dialects: sqlite
-- params: 'p', 3
UPDATE ads SET title = ? WHERE id = ? RETURNING company_id, id

-- name: update_from
UPDATE ads SET title = c.name FROM campaigns c WHERE c.id = ads.campaign_id AND c.id = 2

-- name: update_set_subquery
UPDATE campaigns SET budget = (SELECT count(*) FROM ads a WHERE a.campaign_id = campaigns.id)

-- name: update_where_subquery
UPDATE ads SET clicks = 0 WHERE campaign_id IN (SELECT id FROM campaigns WHERE budget = 203)

-- name: delete
DELETE FROM "Visits" WHERE id = 1

-- name: delete_returning
DELETE FROM ads WHERE clicks > 23 RETURNING id, title

-- name: delete_using
-- dialects: postgres
DELETE FROM ads USING campaigns c WHERE c.id = ads.campaign_id AND c.budget = 201

-- name: delete_where_exists
DELETE FROM ads WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.id = ads.campaign_id AND c.budget = 202)

-- name: insert_gets_tenant
INSERT INTO ads (id, campaign_id, geo_id, title, clicks) VALUES (9, 1, 1, 'new', 0)

-- name: insert_many_rows_returning
INSERT INTO ads (id, campaign_id, title, clicks) VALUES (9, 1, 'n9', 0), (10, 2, 'n10', 0) RETURNING company_id, id

-- name: insert_with_parameters
-- dialects: postgres
-- params: 11, 'param ad'
INSERT INTO ads (id, campaign_id, title, clicks) VALUES ($1, 3, $2, 0) RETURNING company_id, title

-- name: insert_with_parameters_sqlite
-- dialects: sqlite
-- params: 11, 'param ad'
INSERT INTO ads (id, campaign_id, title, clicks) VALUES (?, 3, ?, 0) RETURNING company_id, title

-- name: insert_tenant_literal_current
-- insensitive: the statement names its own tenant, which is the current one
INSERT INTO ads (company_id, id, campaign_id, title, clicks) VALUES (2, 12, 1, 'mine', 0)

-- name: insert_tenant_parameter_current
-- dialects: postgres
-- params: 2, 13
-- insensitive: the statement names its own tenant, which is the current one
INSERT INTO ads (company_id, id, campaign_id, title, clicks) VALUES ($1, $2, 1, 'mine', 0)

-- name: insert_duplicate_key_fails_both_ways
-- insensitive: fails on both databases (tenant 2 has ad 1); without a tenant it fails too
INSERT INTO ads (id, campaign_id, title, clicks) VALUES (1, 1, 'dup', 0)

-- name: insert_select
INSERT INTO ads (id, campaign_id, title, clicks) SELECT id + 20, id, name, budget FROM campaigns

-- name: insert_select_join
INSERT INTO "Visits" (id, ad_id) SELECT a.id + 10, a.id FROM ads a JOIN campaigns c ON c.id = a.campaign_id WHERE c.budget = 201

-- name: insert_into_reference_from_tenant
INSERT INTO settings (key, value) SELECT 'ad ' || id, title FROM ads WHERE id < 3

-- name: insert_returning_subquery
INSERT INTO "Visits" (id, ad_id) VALUES (7, 1) RETURNING (SELECT count(*) FROM ads)

-- name: upsert_do_nothing
INSERT INTO campaigns (id, name, budget) VALUES (1, 'clash', 0) ON CONFLICT DO NOTHING

-- name: upsert_do_update
INSERT INTO campaigns (id, name, budget) VALUES (1, 'upserted', 1) ON CONFLICT (company_id, id) DO UPDATE SET name = excluded.name

-- name: upsert_do_update_inserts
INSERT INTO campaigns (id, name, budget) VALUES (7, 'fresh', 1) ON CONFLICT (company_id, id) DO UPDATE SET name = excluded.name RETURNING company_id, id, name

-- name: upsert_do_update_subquery
INSERT INTO campaigns (id, name, budget) VALUES (2, 'x', 1) ON CONFLICT (company_id, id) DO UPDATE SET budget = (SELECT count(*) FROM ads)

-- name: data_modifying_cte
-- dialects: postgres
WITH gone AS (DELETE FROM ads WHERE clicks > 24 RETURNING id) SELECT count(*) FROM gone

-- name: data_modifying_cte_insert_from_update
-- dialects: postgres
WITH moved AS (UPDATE ads SET clicks = 0 WHERE id = 1 RETURNING id, title) INSERT INTO "Visits" (id, ad_id) SELECT id + 5, id FROM moved

-- name: several_statements
-- script
UPDATE ads SET clicks = 0 WHERE id = 1; DELETE FROM "Visits" WHERE id = 2

---------------------------------------------------------------- several tenants
-- name: two_tenants_read
-- scope: 1,3
SELECT title FROM ads WHERE id < 3

-- name: two_tenants_join
-- scope: 1,3
-- per-tenant
SELECT a.title, c.name FROM ads a JOIN campaigns c ON a.campaign_id = c.id

-- name: two_tenants_subquery
-- scope: 1,3
-- per-tenant
SELECT name FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.clicks % 10 > 4)

-- name: two_tenants_aggregate_over_the_set
-- scope: 1,3
SELECT count(*), sum(clicks) FROM ads

-- name: two_tenants_left_join_along_foreign_key
-- scope: 1,3
-- per-tenant
SELECT c.name, a.title FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id

-- name: two_tenants_update
-- scope: 1,3
UPDATE ads SET clicks = 0 WHERE id = 5

-- name: two_tenants_insert_named
-- scope: 1,3
-- insensitive: the statement names its own tenant, which is in the set
INSERT INTO "Visits" (company_id, id, ad_id) VALUES (3, 9, 1)

-- name: two_tenants_insert_unnamed
-- scope: 1,3
-- expect: refused
INSERT INTO "Visits" (id, ad_id) VALUES (9, 1)

-- name: two_tenants_insert_outside_set
-- scope: 1,3
-- expect: refused
INSERT INTO "Visits" (company_id, id, ad_id) VALUES (2, 9, 1)

---------------------------------------------------------------- full-row saves (the tenant column given its own tenant)
-- name: full_row_update_literal
UPDATE ads SET company_id = 2, campaign_id = 1, geo_id = 1, title = 'saved', clicks = 0 WHERE id = 3 RETURNING company_id, id, title

-- name: full_row_update_parameter
-- dialects: postgres
-- params: 2, 'saved', 3
UPDATE "ads" SET "company_id" = $1, "title" = $2 WHERE "ads"."id" = $3 RETURNING "company_id", "id", "title"

-- name: full_row_update_parameter_sqlite
-- dialects: sqlite
-- params: 2, 'saved', 3
UPDATE "ads" SET "company_id" = ?, "title" = ? WHERE "ads"."id" = ? RETURNING "company_id", "id", "title"

-- name: full_row_update_foreign_parameter
-- dialects: postgres
-- expect: refused-at-exec
-- params: 3, 'moved', 3
UPDATE "ads" SET "company_id" = $1, "title" = $2 WHERE "ads"."id" = $3 RETURNING "company_id", "id"

-- name: full_row_update_foreign_literal
-- expect: refused
UPDATE ads SET company_id = 3, title = 'moved' WHERE id = 3

-- name: full_row_update_expression
-- expect: refused
UPDATE ads SET company_id = company_id + 1 WHERE id = 3

-- name: full_row_update_own_tenant_cast
-- dialects: postgres
-- expect: refused
UPDATE ads SET company_id = company_id::numeric(1,-1) WHERE id = 3

-- name: update_or_replace
-- dialects: sqlite
-- expect: refused
UPDATE OR REPLACE ads SET id = 2 WHERE id = 1

-- name: full_row_update_own_tenant_cast_sqlite
-- dialects: sqlite
-- expect: refused
UPDATE ads SET company_id = CAST(company_id AS REAL) WHERE id = 3

-- name: upsert_tenant_from_excluded
INSERT INTO ads (id, campaign_id, title, clicks) VALUES (3, 1, 'upserted', 0) ON CONFLICT (company_id, id) DO UPDATE SET company_id = EXCLUDED.company_id, title = EXCLUDED.title RETURNING company_id, id, title

---------------------------------------------------------------- several tenants: relations written as ORMs write them
-- Every pair of rows related along a declared key must belong to one tenant: these must equal
-- each tenant's own result, together (tenants 1 and 3 reuse the same ids).

-- name: two_tenants_django_exists_parenthesized
-- scope: 1,3
-- per-tenant
SELECT c.name FROM campaigns c WHERE EXISTS(SELECT 1 AS "a" FROM "ads" U0 WHERE (U0."campaign_id" = ("c"."id") AND U0."clicks" >= 35) LIMIT 1)

-- name: two_tenants_on_parenthesized
-- scope: 1,3
-- per-tenant
SELECT a.title, c.name FROM ads a JOIN campaigns c ON ((a.campaign_id = c.id) AND (c.budget > 0))

-- name: two_tenants_in_subquery_along_foreign_key
-- scope: 1,3
-- per-tenant
SELECT a.title FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.budget = 302)

-- name: two_tenants_in_subquery_unqualified
-- scope: 1,3
-- per-tenant
SELECT title FROM ads WHERE campaign_id IN (SELECT id FROM campaigns WHERE budget = 302)

-- name: two_tenants_not_in_subquery
-- scope: 1,3
-- per-tenant
SELECT a.title FROM ads a WHERE a.campaign_id NOT IN (SELECT c.id FROM campaigns c WHERE c.budget < 300)

-- name: two_tenants_any_subquery
-- dialects: postgres
-- scope: 1,3
-- per-tenant
SELECT a.title FROM ads a WHERE a.campaign_id = ANY (SELECT c.id FROM campaigns c WHERE c.budget = 302)

-- name: two_tenants_scalar_subquery_compared
-- scope: 1,3
-- per-tenant
SELECT a.title FROM ads a WHERE a.campaign_id = (SELECT c.id FROM campaigns c WHERE c.budget = 302)

-- name: two_tenants_scalar_count_parenthesized
-- scope: 1,3
-- per-tenant
SELECT c.name, (SELECT count(*) FROM ads U0 WHERE U0.campaign_id = (c.id)) AS n FROM campaigns c

-- name: two_tenants_siblings_by_the_same_key
-- dialects: postgres
-- scope: 1,3
-- per-tenant
SELECT v.company_id, v.id, e.id FROM "Visits" v JOIN analytics.events e ON e.ad_id = v.ad_id

-- name: two_tenants_update_in_subquery_same_table
-- scope: 1,3
-- per-tenant
UPDATE ads SET clicks = 0 WHERE id IN (SELECT U0.id FROM ads U0 JOIN campaigns U1 ON (U0.campaign_id = U1.id) WHERE U1.budget = 303) RETURNING company_id, id

-- name: two_tenants_delete_in_subquery_along_foreign_key
-- scope: 1,3
-- per-tenant
DELETE FROM ads WHERE campaign_id IN (SELECT id FROM campaigns WHERE budget = 101) RETURNING company_id, id

---------------------------------------------------------------- unscoped (admin) mode
-- name: unscoped_join_along_foreign_key
-- scope: unscoped
SELECT a.title, c.name FROM ads a JOIN campaigns c ON a.campaign_id = c.id

-- name: unscoped_comma_join
-- scope: unscoped
SELECT a.title, c.name FROM ads a, campaigns c WHERE c.id = a.campaign_id

-- name: unscoped_left_join
-- scope: unscoped
SELECT c.name, a.title FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id

-- name: unscoped_correlated_subquery
-- scope: unscoped
SELECT c.name FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.clicks = 24)

-- name: unscoped_lateral_along_foreign_key
-- dialects: postgres
-- scope: unscoped
SELECT c.name, x.title FROM campaigns c CROSS JOIN LATERAL (SELECT a.title FROM ads a WHERE a.campaign_id = c.id ORDER BY a.clicks DESC LIMIT 1) x

-- name: unscoped_on_clause_subquery
-- scope: unscoped
SELECT c.name, g.name FROM campaigns c JOIN geo g ON EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.geo_id = g.id AND a.clicks = 25)

-- name: unscoped_django_exists_parenthesized
-- scope: unscoped
SELECT c.name FROM campaigns c WHERE EXISTS(SELECT 1 AS "a" FROM "ads" U0 WHERE (U0."campaign_id" = ("c"."id") AND U0."clicks" = 25) LIMIT 1)

-- name: unscoped_in_subquery_along_foreign_key
-- scope: unscoped
SELECT a.title FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.budget = 302)

-- name: unscoped_scalar_count_parenthesized
-- scope: unscoped
SELECT c.name, (SELECT count(*) FROM ads U0 WHERE (U0.campaign_id = (c.id))) AS n FROM campaigns c

-- name: unscoped_update_in_subquery_same_table
-- scope: unscoped
UPDATE ads SET clicks = 0 WHERE id IN (SELECT U0.id FROM ads U0 JOIN campaigns U1 ON (U0.campaign_id = U1.id) WHERE U1.budget = 303) RETURNING company_id, id

-- name: unscoped_single_table
-- scope: unscoped
-- insensitive: no join, nothing to add
SELECT title FROM ads WHERE id = 1

---------------------------------------------------------------- refusals
-- name: no_tenant_set
-- scope: none
-- expect: refused
SELECT * FROM ads

-- name: no_tenant_set_subquery
-- scope: none
-- expect: refused
SELECT name FROM geo WHERE id IN (SELECT geo_id FROM ads)

-- name: update_tenant_column
-- expect: refused
UPDATE ads SET company_id = 3 WHERE id = 1

-- name: upsert_updates_tenant_column
-- expect: refused
INSERT INTO campaigns (id, name, budget) VALUES (1, 'x', 0) ON CONFLICT (company_id, id) DO UPDATE SET company_id = 3

-- name: insert_other_tenant_literal
-- expect: refused
INSERT INTO ads (company_id, id, campaign_id, title, clicks) VALUES (3, 12, 1, 'theirs', 0)

-- name: insert_other_tenant_parameter
-- dialects: postgres
-- expect: refused-at-exec
-- params: 3, 13
INSERT INTO ads (company_id, id, campaign_id, title, clicks) VALUES ($1, $2, 1, 'theirs', 0)

-- name: insert_other_tenant_parameter_sqlite
-- dialects: sqlite
-- expect: refused-at-exec
-- params: 3, 13
INSERT INTO ads (company_id, id, campaign_id, title, clicks) VALUES (?, ?, 1, 'theirs', 0)

-- name: insert_without_column_list
-- expect: refused
INSERT INTO "Visits" VALUES (2, 9, 1)

-- name: truncate
-- dialects: postgres
-- expect: refused
TRUNCATE ads

-- name: copy
-- dialects: postgres
-- expect: refused
COPY ads TO STDOUT

-- name: merge
-- dialects: postgres
-- expect: refused
MERGE INTO ads USING geo ON ads.geo_id = geo.id WHEN MATCHED THEN DELETE

-- name: drop_table
-- expect: refused
DROP TABLE ads

-- name: create_view_over_tenant_table
-- dialects: postgres
-- expect: refused
CREATE VIEW leak AS SELECT * FROM ads

-- name: unparseable
-- expect: refused
SELEC title FROM ads

-- name: several_statements_one_refused
-- dialects: postgres
-- expect: refused
SELECT 1; TRUNCATE ads

-- name: column_aliases_hide_tenant
-- dialects: postgres
-- expect: refused
SELECT x FROM ads AS a(x, y)

-- name: sql_text_function
-- dialects: postgres
-- expect: refused
SELECT query_to_xml('SELECT * FROM ads', true, true, '')

---------------------------------------------------------------- functions that run SQL text or read tables by name
-- Each would read every tenant's rows on the real database (tests/cursors.rs shows it for
-- query_to_xml in FROM); refused wherever the call stands.

-- name: sql_text_function_in_from
-- dialects: postgres
-- expect: refused
SELECT * FROM query_to_xml('select * from ads', true, true, '')

-- name: sql_text_function_lateral
-- dialects: postgres
-- expect: refused
SELECT g.name, x FROM geo g, LATERAL query_to_xml('select * from ads where geo_id = ' || g.id, true, true, '') x

-- name: sql_text_function_joined
-- dialects: postgres
-- expect: refused
SELECT a.id, x FROM ads a JOIN table_to_xml('ads', true, true, '') x ON true

-- name: sql_text_function_in_from_subquery
-- dialects: postgres
-- expect: refused
SELECT * FROM (SELECT * FROM schema_to_xml('public', true, true, '')) s

-- name: sql_text_function_in_where_subquery
-- dialects: postgres
-- expect: refused
SELECT id FROM ads WHERE EXISTS (SELECT 1 FROM query_to_xml('select * from campaigns', true, true, '') x)

-- name: sql_text_function_in_cte
-- dialects: postgres
-- expect: refused
WITH x AS (SELECT * FROM database_to_xml(true, true, '')) SELECT * FROM x

-- name: sql_text_function_in_update_from
-- dialects: postgres
-- expect: refused
UPDATE ads SET title = x::text FROM query_to_xml('select * from ads', true, true, '') x WHERE ads.id = 1

-- name: sql_text_function_in_delete_returning
-- dialects: postgres
-- expect: refused
DELETE FROM ads WHERE id = 1 RETURNING query_to_xml('select * from ads', true, true, '')

-- name: sql_text_function_in_insert_values
-- dialects: postgres
-- expect: refused
INSERT INTO ads (id, campaign_id, title, clicks) VALUES (20, 1, query_to_xml('select title from ads', true, true, '')::text, 0)

-- name: sql_text_function_schema_qualified_upper_case
-- dialects: postgres
-- expect: refused
SELECT * FROM PG_CATALOG.QUERY_TO_XML('select * from ads', true, true, '')

-- name: sql_text_function_unicode_escaped
-- dialects: postgres
-- expect: refused
SELECT U&"query\005fto_xml"('select * from ads', true, true, '')

-- name: sql_text_function_in_where_sqlite
-- dialects: sqlite
-- expect: refused
SELECT id FROM ads WHERE query_to_xml('select * from ads', 1, 1, '') IS NOT NULL

---------------------------------------------------------------- cursors and COPY of a query
-- DECLARE ... CURSOR and COPY (query) are scoped; tests/cursors.rs fetches and copies them on
-- the real database. Here, what stays refused.

-- name: cursor_with_hold_over_tenant_table
-- dialects: postgres
-- expect: refused
DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT id, title FROM ads

-- name: copy_query_cannot_bind_the_tenant
-- dialects: postgres
-- expect: refused
COPY (SELECT id, title FROM ads) TO STDOUT

-- name: copy_table_from_stdin
-- dialects: postgres
-- expect: refused
COPY ads (id, campaign_id, title, clicks) FROM STDIN
