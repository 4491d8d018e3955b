-- =============================================================================================
-- U17  Undo V17 (the audit trail is written by a row trigger again)
--
-- Drops no data: audit rows written per statement stay. Puts back V10's row trigger
-- audit_row_change_<table> on each audited table, then drops V17's three statement triggers per
-- table and public.audit_statement_change(). One transaction: no write between the two goes
-- unrecorded or is recorded twice.
-- =============================================================================================

set local lock_timeout = '10s';

create or replace trigger audit_row_change_organizations
  after insert or update or delete on public.organizations
  for each row execute function public.audit_row_change();
drop trigger if exists audit_insert_organizations on public.organizations;
drop trigger if exists audit_update_organizations on public.organizations;
drop trigger if exists audit_delete_organizations on public.organizations;

create or replace trigger audit_row_change_contacts
  after insert or update or delete on public.contacts
  for each row execute function public.audit_row_change();
drop trigger if exists audit_insert_contacts on public.contacts;
drop trigger if exists audit_update_contacts on public.contacts;
drop trigger if exists audit_delete_contacts on public.contacts;

create or replace trigger audit_row_change_appointments
  after insert or update or delete on public.appointments
  for each row execute function public.audit_row_change();
drop trigger if exists audit_insert_appointments on public.appointments;
drop trigger if exists audit_update_appointments on public.appointments;
drop trigger if exists audit_delete_appointments on public.appointments;

create or replace trigger audit_row_change_notifications
  after insert or update or delete on public.notifications
  for each row execute function public.audit_row_change();
drop trigger if exists audit_insert_notifications on public.notifications;
drop trigger if exists audit_update_notifications on public.notifications;
drop trigger if exists audit_delete_notifications on public.notifications;

create or replace trigger audit_row_change_processed_webhook_events
  after insert or update or delete on public.processed_webhook_events
  for each row execute function public.audit_row_change();
drop trigger if exists audit_insert_processed_webhook_events on public.processed_webhook_events;
drop trigger if exists audit_update_processed_webhook_events on public.processed_webhook_events;
drop trigger if exists audit_delete_processed_webhook_events on public.processed_webhook_events;

drop function if exists public.audit_statement_change();
