package com.voxanne.schema.jsonb;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
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
    private static final Map<String, NotificationChannel> BY_LITERAL = Arrays.stream(NotificationChannel.values())
            .collect(Collectors.toUnmodifiableMap(NotificationChannel::literal, channel -> channel));

    /** Called by the generated classes. */
    public NotificationChannelSetConverter() {
        super(new TypeReference<Set<NotificationChannel>>() { });
    }

    /** Read token by token: every notification row of a list has one. */
    @Override
    protected Set<NotificationChannel> read(JsonParser parser) throws IOException {
        return readStringArray(parser, EnumSet.noneOf(NotificationChannel.class), (p, text) -> {
            NotificationChannel channel = text == null ? null : BY_LITERAL.get(text);
            if (channel == null) {
                throw new JsonParseException(p, "expected a NotificationChannel literal");
            }
            return channel;
        });
    }

    @Override
    protected Set<NotificationChannel> normalize(Set<NotificationChannel> value) {
        Set<NotificationChannel> ordered = EnumSet.noneOf(NotificationChannel.class);
        ordered.addAll(value);
        return ordered;
    }
}
