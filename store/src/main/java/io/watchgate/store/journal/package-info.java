/**
 * A bounded journal of each session's notifications, numbered by a gateway offset that only grows,
 * appended together with the session's upstream cursor and read back in pages.
 */
@NullMarked
package io.watchgate.store.journal;

import org.jspecify.annotations.NullMarked;
