package com.voxanne.dao.internal;

import static com.voxanne.dao.internal.Transactions.Mode.SINGLE_STATEMENT;
import static com.voxanne.dao.internal.Transactions.Mode.TRANSACTION;
import static com.voxanne.schema.jooq.Tables.CONTACTS;
import static com.voxanne.schema.jooq.Tables.SEARCH_CONTACT_IDS;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.greatest;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.row;

import com.voxanne.dao.BulkImportException;
import com.voxanne.dao.BulkImportException.RowError;
import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.ContactSort;
import com.voxanne.dao.ContactUpdate;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.Page;
import com.voxanne.schema.jooq.Keys;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.tables.SearchContactIds;
import com.voxanne.schema.jooq.tables.records.ContactsRecord;
import com.voxanne.schema.jsonb.StringListConverter;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.SortField;
import org.jooq.TableField;
import org.jooq.impl.DSL;

/**
 * {@link Contacts} inside one bound transaction. Every query also filters by the organization, so the
 * org-led indexes serve it; row-level security is the guarantee either way.
 */
final class ContactsImpl implements Contacts {

    /** How far ahead of this clock a recorded contact time may be (clock skew of the sender). */
    private static final Duration FUTURE_TOLERANCE = Duration.ofMinutes(5);
    /** Text with a digit, an at sign or a dot: a phone or e-mail fragment, searched through the function. */
    private static final Pattern PHONE_OR_EMAIL_FRAGMENT = Pattern.compile("[0-9@.]");
    /** Also checked by public.search_contact_ids (22023). */
    private static final int SEARCH_MAX = 200;

    private final Unit unit;
    private final UUID organizationId;
    private final ContactFields fields;

    ContactsImpl(Unit unit, UUID organizationId, Inputs inputs) {
        this.unit = unit;
        this.organizationId = organizationId;
        this.fields = new ContactFields(inputs);
    }

    /** jOOQ on this unit's connection, for everything that is not a rendered read. */
    private DSLContext dsl() {
        return unit.dsl();
    }

    // one INSERT … RETURNING; with a caller's id one statement too (the insert and the read of an existing row in one CTE);
    // on a distributed database the caller's id takes two (the insert, then the read): Citus runs a CTE's insert as a
    // subplan of its own (docs/citus.md, fact 28)
    @Override
    @UnitMode(value = SINGLE_STATEMENT, distributed = TRANSACTION)
    public Contact create(NewContact contact) {
        if (contact == null) {
            throw new InvalidInputException("contact", "must not be null");
        }
        ContactFields.Valid valid = fields.validate(contact);
        if (contact.id() == null) {
            return insert("contacts.create", UUID.randomUUID(), valid).returning().fetchSingle(unit, Rows::contact);
        }
        if (unit.placement() == Placement.DISTRIBUTED) {
            return createDistributed(contact.id(), valid);
        }
        // One statement, so that a call of its own stays one round trip: the insert unless the id is
        // taken, else the row of this organization that has it. None: the id is another organization's
        // (invisible under row-level security), or a concurrent create's that committed after this
        // statement's snapshot; reported as a random id's collision would be.
        List<Contact> rows = insert("contacts.create with an id", contact.id(), valid)
                .onConflictDoNothing(Keys.CONTACTS_PKEY)
                .returning()
                .around(CREATED_OR_EXISTING)
                .fetch(unit, Rows::contact);
        if (rows.isEmpty()) {
            throw new DuplicateException("contacts_pkey", "a contact with this id already exists", null);
        }
        return rows.get(0);
    }

    /**
     * The create with a caller's id on a distributed database, where the key is {@code (org_id, id)}
     * (docs/citus.md, fact 5) and Citus plans the single-server CTE as two subplans and a step on the
     * coordinator (fact 28): the insert unless this organization has the id, then, if it does, its row
     * (a statement of its own, which sees a concurrent create with the id that committed meanwhile). Both
     * are one task on the clinic's worker. An id another organization holds is that organization's row
     * only: ids are unique per organization there, so the insert makes this organization's own row.
     */
    private Contact createDistributed(UUID id, ContactFields.Valid valid) {
        Optional<Contact> created = insert("contacts.create with an id", id, valid)
                .onConflictDoNothing(Keys.UQ_CONTACTS_ORG_ID_ID)
                .returning()
                .fetchOptional(unit, Rows::contact);
        if (created.isPresent()) {
            return created.get();
        }
        return RenderedReads.select("contacts.get", ONE)
                .where(organizationId, org -> CONTACTS.ORG_ID.eq(org))
                .where(id, contact -> CONTACTS.ID.eq(contact))
                .fetchOptional(unit, Rows::contact)
                .orElseThrow(() -> new DuplicateException("contacts_pkey", "a contact with this id already exists", null));
    }

    /** Every column of a contact, unqualified, in the table's order: what {@link Rows#contact} reads. */
    private static final Field<?>[] COLUMNS =
            Arrays.stream(CONTACTS.fields()).map(f -> DSL.field(DSL.name(f.getName()))).toArray(Field[]::new);

    /** The row an insert with a caller's id made, or else the row of this organization that has the id. */
    private static final RenderedWrites.Around CREATED_OR_EXISTING = (insert, set) -> DSL.resultQuery(
            "with created as ({0}) select {1} from created"
                    + " union all select {1} from {2} where {3} and not exists (select from created)",
            insert, DSL.list(COLUMNS), CONTACTS,
            CONTACTS.ORG_ID.eq(set.of(CONTACTS.ORG_ID)).and(CONTACTS.ID.eq(set.of(CONTACTS.ID))));

    // one SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Contact get(UUID id) {
        return RenderedReads.select("contacts.get", ONE)
                .where(organizationId, org -> CONTACTS.ORG_ID.eq(org))
                .where(requireId(id), contact -> CONTACTS.ID.eq(contact))
                .fetchOptional(unit, Rows::contact)
                .orElseThrow(() -> notFound(id));
    }

    /** A contact by a key: the query {@code get} and {@code findByPhone} start from. */
    private static final RenderedReads.From ONE = () -> DSL.selectFrom(CONTACTS);

    // one SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Optional<Contact> findByPhone(String phone) {
        String normalized = fields.phone(phone);
        if (normalized == null) {
            throw new InvalidInputException("phone", "must not be blank");
        }
        return RenderedReads.select("contacts.findByPhone", ONE)
                .where(organizationId, org -> CONTACTS.ORG_ID.eq(org))
                .where(normalized, number -> CONTACTS.PHONE.eq(number))
                .fetchOptional(unit, Rows::contact);
    }

    // one UPDATE … RETURNING (an empty update: one SELECT)
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Contact update(UUID id, ContactUpdate update) {
        requireId(id);
        if (update == null) {
            throw new InvalidInputException("update", "must not be null");
        }
        if (update.isEmpty()) {
            return get(id);
        }
        // Exactly the fields set on the update are written: the patch semantics, including setting a
        // nullable column to NULL. The fields come in their enum's order, so each set of fields is one shape.
        RenderedWrites.Write write = RenderedWrites.update("contacts.update", CONTACTS);
        for (ContactUpdate.Field field : update.fields()) {
            switch (field) {
                case NAME -> write.set(CONTACTS.NAME, fields.name(update.name()));
                case PHONE -> write.set(CONTACTS.PHONE, fields.phone(update.phone()));
                case EMAIL -> write.set(CONTACTS.EMAIL, fields.email(update.email()));
                case SERVICE_INTERESTS -> write.set(CONTACTS.SERVICE_INTERESTS, fields.serviceInterests(update.serviceInterests()));
                case LEAD_SCORE -> write.set(CONTACTS.LEAD_SCORE, ContactFields.required("leadScore", update.leadScore()));
                case LEAD_STATUS -> write.set(CONTACTS.LEAD_STATUS, ContactFields.required("leadStatus", update.leadStatus()));
                case NOTES -> write.set(CONTACTS.NOTES, fields.notes(update.notes()));
            }
        }
        return found(byId(write, id).returning(), id);
    }

    /** The organization's contact {@code id}: the conditions of every write of one contact. */
    private RenderedWrites.Write byId(RenderedWrites.Write write, UUID id) {
        return write.where(organizationId, IN_ORG).where(id, BY_ID);
    }

    private static final RenderedReads.On<UUID> IN_ORG = org -> CONTACTS.ORG_ID.eq(org);
    private static final RenderedReads.On<UUID> BY_ID = contact -> CONTACTS.ID.eq(contact);

    // one DELETE; the contact's appointments go by ON DELETE CASCADE within it
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public void delete(UUID id) {
        int deleted = byId(RenderedWrites.deleteFrom("contacts.delete", CONTACTS), requireId(id)).execute(unit);
        if (deleted == 0) {
            throw notFound(id);
        }
    }

    // one rendered SELECT (the page, its total and the search in one statement)
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Page<Contact> list(ContactQuery query) {
        if (query == null) {
            throw new InvalidInputException("query", "must not be null");
        }
        ContactSort sort = query.sort();
        LeadStatusType status = query.leadStatus().orElse(null);
        LeadScoreType score = query.leadScore().orElse(null);
        JSONB interest = query.serviceInterest()
                .map(i -> Rows.SERVICE_INTERESTS.to(List.of(fields.serviceInterest(i))))
                .orElse(null);
        SearchTerm search = query.search().filter(text -> !text.isBlank()).map(text -> SearchTerm.of(text.strip()))
                .orElse(null);
        ContactCursor after = query.cursor().map(cursor -> ContactCursor.decode(cursor, sort)).orElse(null);

        RenderedReads.Read read = RenderedReads.select("contacts.list", LIST_BY_SORT.get(sort))
                .where(organizationId, org -> CONTACTS.ORG_ID.eq(org));
        if (status != null) {
            // Inlined, not bound: only a literal lets the planner prove the predicate of the partial index
            // idx_contacts_org_updated_<status>; enum equality is not LEAKPROOF, so under RLS it could not be
            // an index condition otherwise.
            read.whereInline(status, s -> CONTACTS.LEAD_STATUS.eq(inline(s)));
        }
        if (score != null) {
            read.where(score, s -> CONTACTS.LEAD_SCORE.eq(s));
        }
        if (interest != null) {
            read.where(interest, i -> DSL.condition("{0} @> {1}", CONTACTS.SERVICE_INTERESTS, i));
        }
        if (search != null) {
            search.addTo(read);
        }
        if (after != null) {
            after(after, read);
        }
        // one more than the page tells whether a next page exists
        List<Contact> rows = read.limit(query.limit() + 1L).fetch(unit, Rows::contact);
        if (rows.size() <= query.limit()) {
            return new Page<>(rows, Optional.empty());
        }
        List<Contact> items = rows.subList(0, query.limit());
        Contact last = items.get(items.size() - 1);
        return new Page<>(items, Optional.of(new ContactCursor(sort, sortValue(sort, last), last.id()).encode()));
    }

    /** A list in each order: the query every contact list starts from. */
    private static final Map<ContactSort, RenderedReads.From> LIST_BY_SORT = new EnumMap<>(ContactSort.class);

    static {
        for (ContactSort sort : ContactSort.values()) {
            List<SortField<?>> order = order(sort);
            LIST_BY_SORT.put(sort, () -> DSL.selectFrom(CONTACTS).orderBy(order));
        }
    }

    // one SELECT … GROUP BY
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Map<LeadStatusType, Long> countsByLeadStatus() {
        Map<LeadStatusType, Long> counts = new EnumMap<>(LeadStatusType.class);
        for (LeadStatusType status : LeadStatusType.values()) {
            counts.put(status, 0L);
        }
        RenderedReads.select("contacts.countsByLeadStatus",
                        () -> DSL.select(CONTACTS.LEAD_STATUS, count()).from(CONTACTS).groupBy(CONTACTS.LEAD_STATUS))
                .where(organizationId, org -> CONTACTS.ORG_ID.eq(org))
                .fetch(unit, row -> Map.entry(Rows.literal(Rows.LEAD_STATUSES, row.getString(1)), row.getLong(2)))
                .forEach(count -> counts.put(count.getKey(), count.getValue()));
        return Collections.unmodifiableMap(counts);
    }

    // one UPDATE … RETURNING
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Contact touch(UUID id) {
        return found(byId(RenderedWrites.update("contacts.touch", CONTACTS)
                .setExpression(CONTACTS.LAST_CONTACT_AT, () -> DSL.currentOffsetDateTime()), requireId(id))
                .returning(), id);
    }

    // one UPDATE … RETURNING
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Contact recordContact(UUID id, OffsetDateTime when) {
        requireId(id);
        if (when == null) {
            throw new InvalidInputException("when", "must not be null");
        }
        if (when.isAfter(OffsetDateTime.now().plus(FUTURE_TOLERANCE))) {
            throw new InvalidInputException("when", "must not be in the future");
        }
        return found(byId(RenderedWrites.update("contacts.recordContact", CONTACTS)
                // greatest() ignores NULL: the first contact sets it, an older one never moves it back.
                .set(CONTACTS.LAST_CONTACT_AT, when, time -> greatest(CONTACTS.LAST_CONTACT_AT, time))
                .setExpression(CONTACTS.LEAD_STATUS, () -> DSL.when(CONTACTS.LEAD_STATUS.eq(inline(LeadStatusType.NEW)),
                        inline(LeadStatusType.CONTACTED)).otherwise(CONTACTS.LEAD_STATUS)), id)
                .returning(), id);
    }

    // not one statement: a savepoint, the insert, and a rollback to the savepoint when a row fails
    @Override
    @UnitMode(TRANSACTION)
    public List<Contact> importAll(List<NewContact> contacts) {
        if (contacts == null) {
            throw new InvalidInputException("contacts", "must not be null");
        }
        if (contacts.size() > MAX_IMPORT) {
            throw new InvalidInputException("contacts", "at most " + MAX_IMPORT + " per import, got " + contacts.size());
        }
        if (contacts.isEmpty()) {
            return List.of();
        }
        List<ContactFields.Valid> rows = validateAll(contacts);
        // Ids map the inserted rows back to their input rows, whatever order RETURNING uses: the caller's,
        // or chosen here.
        List<UUID> ids = contacts.stream().map(c -> c.id() != null ? c.id() : UUID.randomUUID()).toList();
        // Phones already in the organization (or inserted concurrently and committed meanwhile) are
        // skipped by ON CONFLICT rather than failing the statement, so they can be reported by row. The
        // savepoint takes back the rows that were inserted, even if the caller catches the exception and
        // goes on with its unit of work.
        Savepoint savepoint = dsl().connectionResult(connection -> connection.setSavepoint());
        Map<UUID, Contact> inserted = dsl().connectionResult(connection -> insertAll(connection, rows, ids))
                .stream()
                .collect(Collectors.toMap(Contact::id, Function.identity()));
        if (inserted.size() < rows.size()) {
            dsl().connection(connection -> connection.rollback(savepoint));
            List<RowError> errors = new ArrayList<>();
            for (int row = 0; row < rows.size(); row++) {
                if (!inserted.containsKey(ids.get(row))) {
                    errors.add(new RowError(row, "phone", "a contact with this phone number already exists in this organization"));
                }
            }
            throw new BulkImportException(rows.size(), errors);
        }
        dsl().connection(connection -> connection.releaseSavepoint(savepoint));
        return ids.stream().map(inserted::get).toList();
    }

    /** Every row checked, every problem of every row collected; phones repeated in the list are problems too. */
    private List<ContactFields.Valid> validateAll(List<NewContact> contacts) {
        List<RowError> errors = new ArrayList<>();
        List<ContactFields.Valid> rows = new ArrayList<>(contacts.size());
        Map<String, Integer> firstRowOfPhone = new HashMap<>();
        for (int row = 0; row < contacts.size(); row++) {
            int index = row;
            NewContact contact = contacts.get(row);
            if (contact == null) {
                errors.add(new RowError(row, "contact", "must not be null"));
                continue;
            }
            ContactFields.Valid valid = fields.validate(contact, e -> errors.add(new RowError(index, e.field(), e.reason())));
            if (valid.phone() != null) {
                Integer first = firstRowOfPhone.putIfAbsent(valid.phone(), row);
                if (first != null) {
                    errors.add(new RowError(row, "phone", "the same phone number as row " + first));
                }
            }
            rows.add(valid);
        }
        if (!errors.isEmpty()) {
            throw new BulkImportException(contacts.size(), errors);
        }
        return rows;
    }

    /** The INSERT of one validated contact with the given id. */
    private RenderedWrites.Write insert(String name, UUID id, ContactFields.Valid c) {
        return RenderedWrites.insertInto(name, CONTACTS)
                .set(CONTACTS.ID, id)
                .set(CONTACTS.ORG_ID, organizationId)
                .set(CONTACTS.NAME, c.name())
                .set(CONTACTS.PHONE, c.phone())
                .set(CONTACTS.EMAIL, c.email())
                .set(CONTACTS.SERVICE_INTERESTS, c.serviceInterests())
                .set(CONTACTS.LEAD_SCORE, c.leadScore())
                .set(CONTACTS.LEAD_STATUS, c.leadStatus())
                .set(CONTACTS.NOTES, c.notes());
    }

    /**
     * The import's one statement, whatever its number of rows: each column's values are bound as one
     * array and unnested into rows. Its text never changes, so it is written once, server-prepared once
     * and sent with nine parameters; the audit trigger fires once for all rows (ADR 0016). A phone already
     * in the organization is skipped, not an error, so that it can be reported by row.
     */
    private static final String IMPORT = "insert into public.contacts (id, org_id, name, phone, email, service_interests,"
            + " lead_score, lead_status, notes)"
            + " select r.id, ?::uuid, r.name, r.phone, r.email, r.service_interests, r.lead_score, r.lead_status, r.notes"
            + " from rows from (pg_catalog.unnest(?::uuid[]), pg_catalog.unnest(?::text[]), pg_catalog.unnest(?::text[]),"
            + " pg_catalog.unnest(?::text[]), pg_catalog.unnest(?::text[]::jsonb[]),"
            + " pg_catalog.unnest(?::text[]::public.lead_score_type[]), pg_catalog.unnest(?::text[]::public.lead_status_type[]),"
            + " pg_catalog.unnest(?::text[]))"
            + " as r (id, name, phone, email, service_interests, lead_score, lead_status, notes)"
            + " on conflict (org_id, phone) where phone is not null do nothing"
            + " returning " + Arrays.stream(CONTACTS.fields()).map(f -> "\"" + f.getName() + "\"")
                    .collect(Collectors.joining(", "));

    private static final StringListConverter SERVICE_INTERESTS = new StringListConverter();

    /** Inserts validated contacts with the given ids; the rows inserted, in no particular order. */
    private List<Contact> insertAll(Connection connection, List<ContactFields.Valid> rows, List<UUID> ids)
            throws SQLException {
        int size = rows.size();
        String[] names = new String[size];
        String[] phones = new String[size];
        String[] emails = new String[size];
        String[] interests = new String[size];
        String[] scores = new String[size];
        String[] statuses = new String[size];
        String[] notes = new String[size];
        for (int i = 0; i < size; i++) {
            ContactFields.Valid c = rows.get(i);
            names[i] = c.name();
            phones[i] = c.phone();
            emails[i] = c.email();
            JSONB json = SERVICE_INTERESTS.to(c.serviceInterests());
            interests[i] = json == null ? null : json.data();
            scores[i] = c.leadScore() == null ? null : c.leadScore().getLiteral();
            statuses[i] = c.leadStatus() == null ? null : c.leadStatus().getLiteral();
            notes[i] = c.notes();
        }
        try (PreparedStatement insert = connection.prepareStatement(IMPORT)) {
            insert.setObject(1, organizationId);
            insert.setArray(2, connection.createArrayOf("uuid", ids.toArray()));
            insert.setArray(3, connection.createArrayOf("text", names));
            insert.setArray(4, connection.createArrayOf("text", phones));
            insert.setArray(5, connection.createArrayOf("text", emails));
            insert.setArray(6, connection.createArrayOf("text", interests));
            insert.setArray(7, connection.createArrayOf("text", scores));
            insert.setArray(8, connection.createArrayOf("text", statuses));
            insert.setArray(9, connection.createArrayOf("text", notes));
            List<Contact> inserted = new ArrayList<>(size);
            try (ResultSet result = insert.executeQuery()) {
                while (result.next()) {
                    inserted.add(Rows.contact(result));
                }
            }
            return inserted;
        }
    }

    /**
     * Name, e-mail or phone contains the text, case-insensitively and literally ({@code %}, {@code _} and
     * {@code \} match themselves). Digits typed in a phone format also match the E.164 number
     * ("555-0198" finds +12125550198).
     *
     * <p>Two ways to the same rows, chosen by what the text looks like, because under RLS ILIKE is not
     * LEAKPROOF and cannot be an index condition (docs/adr/0005-search-under-rls.md):
     * <ul>
     * <li>a phone or e-mail fragment (digits, or an {@code @} or {@code .}) identifies a few contacts: the
     * ids come from {@code public.search_contact_ids} (V11), a SECURITY DEFINER function that filters by
     * the organization of the bound claims itself and takes its candidates from an index (since V13 the
     * per-organization token index, docs/adr/0008-search-token-index.md);</li>
     * <li>anything else (a name) tends to match many: ILIKE filters the organization's rows as the sort
     * index returns them, and the page is full after a few dozen rows. The function would collect every
     * match first (measured: a quarter of a clinic's contacts, 0.07 of the throughput without RLS).</li>
     * </ul>
     * RLS applies to the contacts this query reads either way.
     *
     * @param viaFunction whether the function finds the ids
     * @param value what is bound: the text for the function, the escaped ILIKE pattern otherwise
     */
    private record SearchTerm(boolean viaFunction, String value) {

        /** Not the text: a search is usually for a name or a phone number. */
        @Override
        public String toString() {
            return "SearchTerm[viaFunction=" + viaFunction + "]";
        }

        static SearchTerm of(String text) {
            if (text.length() > SEARCH_MAX) {
                throw new InvalidInputException("search", "must be at most " + SEARCH_MAX + " characters");
            }
            if (PHONE_OR_EMAIL_FRAGMENT.matcher(text).find()) {
                return new SearchTerm(true, text);
            }
            return new SearchTerm(false, "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }

        /** Adds this search to {@code read}: its condition and the value it binds. */
        void addTo(RenderedReads.Read read) {
            if (viaFunction) {
                read.where(value, text -> {
                    SearchContactIds matches = SEARCH_CONTACT_IDS.call(text);
                    return CONTACTS.ID.in(DSL.select(matches.SEARCH_CONTACT_IDS_).from(matches));
                });
            } else {
                read.where(value, pattern -> CONTACTS.NAME.likeIgnoreCase(pattern, '\\')
                        .or(CONTACTS.EMAIL.likeIgnoreCase(pattern, '\\'))
                        .or(CONTACTS.PHONE.likeIgnoreCase(pattern, '\\')));
            }
        }
    }

    private static TableField<ContactsRecord, OffsetDateTime> sortColumn(ContactSort sort) {
        return switch (sort) {
            case UPDATED -> CONTACTS.UPDATED_AT;
            case CREATED -> CONTACTS.CREATED_AT;
            case LAST_CONTACT -> CONTACTS.LAST_CONTACT_AT;
        };
    }

    private static OffsetDateTime sortValue(ContactSort sort, Contact contact) {
        return switch (sort) {
            case UPDATED -> contact.updatedAt();
            case CREATED -> contact.createdAt();
            case LAST_CONTACT -> contact.lastContactAt();
        };
    }

    private static List<SortField<?>> order(ContactSort sort) {
        SortField<OffsetDateTime> first = sort == ContactSort.LAST_CONTACT
                ? sortColumn(sort).desc().nullsLast() : sortColumn(sort).desc();
        return List.of(first, CONTACTS.ID.desc());
    }

    /** Adds the rows after {@code cursor} in its order (descending, NULLs last, id breaking ties) to {@code read}. */
    private static void after(ContactCursor cursor, RenderedReads.Read read) {
        switch (cursor.sort()) {
            // A row comparison on (time, id): index-friendly, and both operators are LEAKPROOF.
            case UPDATED -> read.where(cursor.value(), cursor.id(),
                    (time, id) -> row(CONTACTS.UPDATED_AT, CONTACTS.ID).lt(time, id));
            case CREATED -> read.where(cursor.value(), cursor.id(),
                    (time, id) -> row(CONTACTS.CREATED_AT, CONTACTS.ID).lt(time, id));
            case LAST_CONTACT -> {
                if (cursor.value() == null) {
                    read.where(cursor.id(), id -> CONTACTS.LAST_CONTACT_AT.isNull().and(CONTACTS.ID.lt(id)));
                } else {
                    read.where(cursor.value(), cursor.id(), (time, id) -> CONTACTS.LAST_CONTACT_AT.lt(time)
                            .or(CONTACTS.LAST_CONTACT_AT.eq(time).and(CONTACTS.ID.lt(id)))
                            .or(CONTACTS.LAST_CONTACT_AT.isNull()));
                }
            }
        }
    }

    private static UUID requireId(UUID id) {
        if (id == null) {
            throw new InvalidInputException("id", "must not be null");
        }
        return id;
    }

    /** The contact {@code write} returns, or not found. */
    private Contact found(RenderedWrites.Write write, UUID id) {
        return write.fetchOptional(unit, Rows::contact).orElseThrow(() -> notFound(id));
    }

    private static NotFoundException notFound(UUID id) {
        return new NotFoundException("contact " + id);
    }
}
