package com.voxanne.dao.internal;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.TenantContextException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Validation and normalization of caller input, before anything reaches SQL. A refusal names the field
 * and the rule, never the value: the values are patient data (names, phone numbers, e-mail addresses)
 * and exception messages end up in logs.
 */
public final class Inputs {

    /** The same shape the database's ck_contacts_email accepts, so both agree. */
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    private final String defaultRegion;

    /** @param defaultRegion the ISO 3166 region national phone numbers belong to, for example {@code US} */
    public Inputs(String defaultRegion) {
        if (!PHONES.getSupportedRegions().contains(defaultRegion)) {
            throw new IllegalArgumentException("not a phone region libphonenumber knows: " + defaultRegion);
        }
        this.defaultRegion = defaultRegion;
    }

    /** A trimmed name of 1 to {@code max} characters. */
    public String name(String field, String value, int max) {
        String trimmed = value == null ? "" : value.strip();
        if (trimmed.isEmpty()) {
            throw new InvalidInputException(field, "must not be blank");
        }
        if (trimmed.length() > max) {
            throw new InvalidInputException(field, "must be at most " + max + " characters");
        }
        return trimmed;
    }

    /**
     * The phone number in E.164 ({@code +15550100123}), or {@code null} for none. A refusal names the
     * field and the rule, never the number: libphonenumber's own messages are not passed on, since some
     * quote the input.
     */
    public String phone(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Phonenumber.PhoneNumber number;
        try {
            number = PHONES.parse(value, defaultRegion);
        } catch (NumberParseException e) {
            throw new InvalidInputException("phone", "not a valid phone number for region " + defaultRegion
                    + " (" + e.getErrorType() + ")");
        }
        PhoneNumberUtil.ValidationResult possible = PHONES.isPossibleNumberWithReason(number);
        // the same acceptance as isPossibleNumber(), with the reason for a refusal
        if (possible != PhoneNumberUtil.ValidationResult.IS_POSSIBLE
                && possible != PhoneNumberUtil.ValidationResult.IS_POSSIBLE_LOCAL_ONLY) {
            throw new InvalidInputException("phone", "not a possible phone number for region " + defaultRegion
                    + " (" + possible + ")");
        }
        return PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
    }

    /** The trimmed e-mail address, or {@code null} for none. */
    public String email(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.strip();
        if (trimmed.length() > 254) {
            throw new InvalidInputException("email", "must be at most 254 characters");
        }
        if (!EMAIL.matcher(trimmed).matches()) {
            throw new InvalidInputException("email", "not a valid e-mail address (one @, a dot in the domain, no spaces)");
        }
        return trimmed;
    }

    /** An IANA time zone id. */
    public String timezone(String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException("timezone", "must not be blank");
        }
        try {
            return ZoneId.of(value.strip()).getId();
        } catch (DateTimeException e) {
            throw new InvalidInputException("timezone", "not an IANA time zone id");
        }
    }

    /**
     * The organization a service-scope call acts on. A missing one is a missing tenant, reported as
     * {@link com.voxanne.dao.OrgContext} reports a context without its organization, not as a bad field
     * value: the caller lost track of which clinic it works for.
     *
     * @param call the call, as the caller wrote it, for example {@code webhooks().processOnce}
     */
    static UUID organizationId(String call, UUID organizationId) {
        if (organizationId == null) {
            throw new TenantContextException(call + " needs the organization id: it is null");
        }
        return organizationId;
    }

    /** A non-blank identifier of at most {@code max} characters, kept as given. */
    public String identifier(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(field, "must not be blank");
        }
        if (value.length() > max) {
            throw new InvalidInputException(field, "must be at most " + max + " characters");
        }
        return value;
    }
}
