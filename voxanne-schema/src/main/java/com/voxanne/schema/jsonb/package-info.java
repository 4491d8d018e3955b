/**
 * Java types for the {@code jsonb} columns of the generated jOOQ classes ({@code com.voxanne.schema.jooq}),
 * and the jOOQ converters that map them with Jackson.
 *
 * <table>
 *   <caption>Which jsonb becomes what</caption>
 *   <tr><th>column / parameter</th><th>Java type</th><th>converter</th></tr>
 *   <tr><td>{@code contacts.service_interests}</td><td>{@code List<String>}</td>
 *       <td>{@link com.voxanne.schema.jsonb.StringListConverter}</td></tr>
 *   <tr><td>{@code notifications.channels}, {@code create_notification(p_channels)}</td>
 *       <td>{@code Set<NotificationChannel>}</td>
 *       <td>{@link com.voxanne.schema.jsonb.NotificationChannelSetConverter}</td></tr>
 *   <tr><td>every other jsonb (audit row data, webhook payloads)</td><td>Jackson {@code JsonNode}</td>
 *       <td>{@link com.voxanne.schema.jsonb.JsonNodeConverter}</td></tr>
 * </table>
 *
 * <p>The choices are explained in {@code docs/adr/0003-jooq-codegen-and-jsonb-types.md}.
 */
package com.voxanne.schema.jsonb;
