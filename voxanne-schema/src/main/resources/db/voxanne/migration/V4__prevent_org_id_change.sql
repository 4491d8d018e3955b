-- =============================================================================================
-- V4  public.prevent_org_id_change(): org_id is immutable
--
-- BEFORE UPDATE row trigger function used by every tenant table (trigger org_id_immutable_<table>).
-- ANY change of org_id is refused, including to or from NULL (IS DISTINCT FROM), so a row can
-- never move A -> NULL -> B.
-- Refusal: SQLSTATE VX002 (class VX = voxanne), message
--   'org_id is immutable: cannot change org_id of <schema>.<table> row <id>'.
-- =============================================================================================

-- On a live database, fail fast rather than queue behind a long transaction while holding up every
-- query behind this migration's locks. Transaction-local: it ends with the migration.
set local lock_timeout = '10s';

create or replace function public.prevent_org_id_change()
  returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  if new.org_id is distinct from old.org_id then
    raise exception 'org_id is immutable: cannot change org_id of %.% row %',
                    tg_table_schema, tg_table_name, old.id
      using errcode = 'VX002',
            detail  = 'A row never moves between organizations (not even through NULL).',
            hint    = 'Create a new row in the target organization instead.';
  end if;
  return new;
end;
$$;
comment on function public.prevent_org_id_change() is
  'BEFORE UPDATE trigger: refuses any change of org_id (NULL included) with SQLSTATE VX002.';
