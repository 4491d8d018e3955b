package com.voxanne.schema.jsonb;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code jsonb} array of channel names ↔ {@code Set<NotificationChannel>}. Used for
 * {@code notifications.channels} and the {@code p_channels} parameter of {@code create_notification}. A set,
 * because a channel is either chosen or not; always an {@link EnumSet}, so it is written in declaration
 * order ({@code ["in_app", "email"]}) whatever set the caller passed. An unknown name fails to read.
 */
public final class NotificationChannelSetConverter extends JsonbConverter<Set<NotificationChannel>> {

    private static final long serialVersionUID = 1L;

    /** Called by the generated classes. */
    public NotificationChannelSetConverter() {
        super(new TypeReference<Set<NotificationChannel>>() { });
    }

    @Override
    protected Set<NotificationChannel> normalize(Set<NotificationChannel> value) {
        Set<NotificationChannel> ordered = EnumSet.noneOf(NotificationChannel.class);
        ordered.addAll(value);
        return ordered;
    }
}
