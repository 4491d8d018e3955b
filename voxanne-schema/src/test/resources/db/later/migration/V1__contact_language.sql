-- A migration written after a database was distributed, as a later version of the schema would add: a
-- column and an index on a distributed tenant table, a check constraint, and a function that reads it.
-- Nothing here names Citus: the same file applies on one server.
alter table public.contacts add column preferred_language text;
alter table public.contacts add constraint ck_contacts_preferred_language
  check (preferred_language is null or preferred_language ~ '^[a-z]{2}$');
create index idx_contacts_org_language on public.contacts (org_id, preferred_language);
