package io.watchgate.store.journal;

import java.util.List;

/**
 * What an append did.
 *
 * @param appended the entries added, in order, with their offsets
 * @param duplicates how many records were already journaled (or repeated in the batch) and added
 *     nothing
 * @param newestOffset the session's newest offset after the append
 * @param cursorAdvanced whether the session's stored upstream cursor moved to the batch's last
 *     position (it does not when the stored one is not behind it)
 */
public record AppendResult(List<JournalEntry> appended, int duplicates, long newestOffset, boolean cursorAdvanced) {

    /** Copies the entries. */
    public AppendResult {
        appended = List.copyOf(appended);
        if (duplicates < 0 || newestOffset < 0) {
            throw new IllegalArgumentException("negative count in append result");
        }
    }
}
