package io.watchgate.store.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Sequences {@code first..last} (both included) of one epoch: what one duplicate lookup of an
 * append asks the journal for, through its index on {@code (session, epoch, sequence)}.
 *
 * @param epoch the upstream epoch
 * @param first the lowest sequence
 * @param last the highest sequence
 */
record SequenceRange(long epoch, long first, long last) {

    /** The widest range one lookup covers, so that a lookup finds at most this many rows. */
    static final long MAX_WIDTH = 1024;

    /**
     * The ranges that cover the numbered records of a batch: one per epoch for a batch of close
     * sequences (the usual case), more where sequences jump further than {@link #MAX_WIDTH}.
     */
    static List<SequenceRange> covering(List<JournalRecord> records) {
        TreeMap<Long, TreeSet<Long>> sequencesByEpoch = new TreeMap<>();
        for (JournalRecord record : records) {
            OptionalLong sequence = record.notification().sequence();
            if (sequence.isPresent()) {
                sequencesByEpoch
                        .computeIfAbsent(record.position().epoch(), epoch -> new TreeSet<>())
                        .add(sequence.getAsLong());
            }
        }
        List<SequenceRange> ranges = new ArrayList<>();
        sequencesByEpoch.forEach((epoch, sequences) -> {
            long first = sequences.getFirst();
            long last = first;
            for (long sequence : sequences) {
                if (sequence - first >= MAX_WIDTH) {
                    ranges.add(new SequenceRange(epoch, first, last));
                    first = sequence;
                }
                last = sequence;
            }
            ranges.add(new SequenceRange(epoch, first, last));
        });
        return ranges;
    }
}
