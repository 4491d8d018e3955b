-- =============================================================================================
-- U5  Undo V5 (public.auth_org_id(), public.is_service_role_caller(), own-organization policy)
-- Drops no data: no refusal check.
-- =============================================================================================

drop policy if exists organizations_select_own on public.organizations;
revoke select on table public.organizations from authenticated;
drop function if exists public.is_service_role_caller();
drop function if exists public.auth_org_id();
