-- =============================================================================================
-- U4  Undo V4 (public.prevent_org_id_change())
-- Drops no data. Fails (dependency) while a trigger still uses the function: roll back V9..V6 first.
-- =============================================================================================

drop function if exists public.prevent_org_id_change();
