package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import java.util.Optional;

/**
 * What {@link Contacts#list(ContactQuery)} returns: filters, order, page size and where the page starts.
 * Immutable: each setter returns a copy. Start with {@link #all()} or {@link #status(LeadStatusType)}.
 * The order and the page size are checked when set, the search, interest and cursor when the query
 * runs; an invalid value is an {@link InvalidInputException}.
 */
public final class ContactQuery {

    /** The page size when none is given. */
    public static final int DEFAULT_LIMIT = 20;
    /** The largest page size. */
    public static final int MAX_LIMIT = 100;

    private final LeadStatusType leadStatus;
    private final LeadScoreType leadScore;
    private final String serviceInterest;
    private final String search;
    private final ContactSort sort;
    private final int limit;
    private final String cursor;

    private ContactQuery(LeadStatusType leadStatus, LeadScoreType leadScore, String serviceInterest, String search,
                         ContactSort sort, int limit, String cursor) {
        this.leadStatus = leadStatus;
        this.leadScore = leadScore;
        this.serviceInterest = serviceInterest;
        this.search = search;
        this.sort = sort;
        this.limit = limit;
        this.cursor = cursor;
    }

    /** Every contact, most recently updated first, {@value #DEFAULT_LIMIT} per page. */
    public static ContactQuery all() {
        return new ContactQuery(null, null, null, null, ContactSort.UPDATED, DEFAULT_LIMIT, null);
    }

    /** The contacts with lead status {@code status}, most recently updated first. */
    public static ContactQuery status(LeadStatusType status) {
        return all().leadStatus(status);
    }

    /** Only contacts with this lead status; {@code null} for any. */
    public ContactQuery leadStatus(LeadStatusType status) {
        return new ContactQuery(status, leadScore, serviceInterest, search, sort, limit, cursor);
    }

    /** Only contacts with this lead score; {@code null} for any. */
    public ContactQuery leadScore(LeadScoreType score) {
        return new ContactQuery(leadStatus, score, serviceInterest, search, sort, limit, cursor);
    }

    /** Only contacts whose service interests include {@code interest} exactly; {@code null} for any. */
    public ContactQuery serviceInterest(String interest) {
        return new ContactQuery(leadStatus, leadScore, interest, search, sort, limit, cursor);
    }

    /**
     * Only contacts whose name, phone or e-mail contains {@code text}, ignoring case; {@code null} or blank
     * for no search. The text is matched literally ({@code %} and {@code _} are not wildcards); digits
     * typed in any phone format ({@code 555-0198}) also match the stored E.164 number.
     */
    public ContactQuery search(String text) {
        return new ContactQuery(leadStatus, leadScore, serviceInterest, text, sort, limit, cursor);
    }

    /** In this order (default {@link ContactSort#UPDATED}). @throws InvalidInputException for {@code null} */
    public ContactQuery sortBy(ContactSort order) {
        if (order == null) {
            throw new InvalidInputException("sort", "must not be null");
        }
        return new ContactQuery(leadStatus, leadScore, serviceInterest, search, order, limit, cursor);
    }

    /**
     * At most {@code size} contacts per page (default {@value #DEFAULT_LIMIT}).
     *
     * @throws InvalidInputException unless 1 to {@value #MAX_LIMIT}
     */
    public ContactQuery limit(int size) {
        if (size < 1 || size > MAX_LIMIT) {
            throw new InvalidInputException("limit", "must be between 1 and " + MAX_LIMIT + ", was " + size);
        }
        return new ContactQuery(leadStatus, leadScore, serviceInterest, search, sort, size, cursor);
    }

    /**
     * The page after the one that returned {@code nextCursor} ({@link Page#nextCursor()}), read with the
     * same order; {@code null} for the first page.
     */
    public ContactQuery after(String nextCursor) {
        return new ContactQuery(leadStatus, leadScore, serviceInterest, search, sort, limit, nextCursor);
    }

    /** The lead status filter, if any. */
    public Optional<LeadStatusType> leadStatus() {
        return Optional.ofNullable(leadStatus);
    }

    /** The lead score filter, if any. */
    public Optional<LeadScoreType> leadScore() {
        return Optional.ofNullable(leadScore);
    }

    /** The service interest filter, if any. */
    public Optional<String> serviceInterest() {
        return Optional.ofNullable(serviceInterest);
    }

    /** The search text as given, if any. */
    public Optional<String> search() {
        return Optional.ofNullable(search);
    }

    /** The order. */
    public ContactSort sort() {
        return sort;
    }

    /** The page size. */
    public int limit() {
        return limit;
    }

    /** The cursor of the page to read, if not the first. */
    public Optional<String> cursor() {
        return Optional.ofNullable(cursor);
    }

    /**
     * Filters, order, page size and cursor; the search text (often a name or a phone number) and the
     * service interest only as set or not.
     */
    @Override
    public String toString() {
        return Redaction.of("ContactQuery").plain("leadStatus", leadStatus).plain("leadScore", leadScore)
                .secret("serviceInterest", serviceInterest).secret("search", search).plain("sort", sort)
                .plain("limit", limit).plain("cursor", cursor).toString();
    }
}
