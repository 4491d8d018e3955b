package com.voxanne.dao;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/** Ready-made {@link AuditSink}s for {@link AuditTrail#archive}. */
public final class AuditSinks {

    private static final int BUFFER = 64 * 1024;

    private AuditSinks() {
    }

    /**
     * JSON lines written to {@code out}. Completing flushes it; the caller keeps owning {@code out}
     * (closing the sink does not close it).
     */
    public static JsonLinesAuditSink jsonLines(OutputStream out) {
        Objects.requireNonNull(out, "out");
        BufferedOutputStream buffered = new BufferedOutputStream(out, BUFFER);
        return new JsonLinesAuditSink(new JsonLinesAuditSink.Target() {
            @Override
            public OutputStream stream() {
                return buffered;
            }

            @Override
            public void complete() throws IOException {
                buffered.flush();
            }

            @Override
            public void abandon() {
                // the caller owns the stream; what was not completed simply does not count as exported
            }
        });
    }

    /**
     * Gzip-compressed JSON lines in a new file {@code file} (for example {@code audit-2024.jsonl.gz}).
     * The lines go to a temporary file beside it; completing finishes the gzip stream, syncs it to disk
     * and only then renames it to {@code file}, so {@code file} exists only once the export is whole.
     * Closing an uncompleted sink deletes the temporary file.
     *
     * @throws FileAlreadyExistsException when {@code file} exists: an archive is never overwritten
     * @throws IOException when the temporary file cannot be created
     */
    public static JsonLinesAuditSink gzipJsonLines(Path file) throws IOException {
        Path target = Objects.requireNonNull(file, "file").toAbsolutePath();
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "an audit archive is never overwritten");
        }
        Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
        FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE);
        GZIPOutputStream gzip;
        try {
            gzip = new GZIPOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER), BUFFER);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(temporary);
            throw e;
        }
        return new JsonLinesAuditSink(new JsonLinesAuditSink.Target() {
            @Override
            public OutputStream stream() {
                return gzip;
            }

            @Override
            public void complete() throws IOException {
                gzip.finish();
                gzip.flush();
                channel.force(true);
                gzip.close();
                // not REPLACE_EXISTING: a file that appeared meanwhile is not overwritten either
                Files.move(temporary, target);
            }

            @Override
            public void abandon() {
                try {
                    gzip.close();
                } catch (IOException ignored) {
                    // the partial file is deleted below either way
                }
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // a leftover hidden .part file is harmless: it never has the archive's name
                }
            }
        });
    }
}
