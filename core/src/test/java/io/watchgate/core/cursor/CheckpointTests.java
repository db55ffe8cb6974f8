package io.watchgate.core.cursor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CheckpointTests {

    private static Checkpoint at(long sequence, long epoch) {
        return new Checkpoint("mars@" + sequence, OptionalLong.of(sequence), epoch);
    }

    private static Checkpoint opaque(String cursor, long epoch) {
        return new Checkpoint(cursor, OptionalLong.empty(), epoch);
    }

    @Test
    void aLaterEpochIsAheadWhateverTheSequence() {
        assertThat(at(1, 1).isAheadOf(at(1_000_000, 0))).isTrue();
        assertThat(at(1_000_000, 0).isAheadOf(at(1, 1))).isFalse();
        assertThat(at(5, 3).isAheadOf(at(5, 2))).isTrue();
        assertThat(at(5, 2).isAheadOf(at(5, 3))).isFalse();
    }

    @Test
    void inTheSameEpochAHigherSequenceIsAhead() {
        assertThat(at(42, 0).isAheadOf(at(41, 0))).isTrue();
        assertThat(at(41, 0).isAheadOf(at(42, 0))).isFalse();
        assertThat(at(42, 7).isAheadOf(at(41, 7))).isTrue();
    }

    @Test
    void anEqualPositionIsNotAhead() {
        assertThat(at(42, 0).isAheadOf(at(42, 0))).isFalse();
        // The sequence decides, not the cursor text.
        assertThat(new Checkpoint("other@42", OptionalLong.of(42), 0).isAheadOf(at(42, 0)))
                .isFalse();
    }

    @Test
    void opaqueCursorsInTheSameEpochAreAheadWhenDifferent() {
        assertThat(opaque("b", 0).isAheadOf(opaque("a", 0))).isTrue();
        assertThat(opaque("a", 0).isAheadOf(opaque("b", 0))).isTrue();
        assertThat(opaque("a", 0).isAheadOf(opaque("a", 0))).isFalse();
        assertThat(Checkpoint.of("").isAheadOf(Checkpoint.of(""))).isFalse();
    }

    @Test
    void opaqueCursorsAreStillOrderedByEpoch() {
        assertThat(opaque("a", 1).isAheadOf(opaque("z", 0))).isTrue();
        assertThat(opaque("z", 0).isAheadOf(opaque("a", 1))).isFalse();
        assertThat(opaque("a", 0).isAheadOf(at(5, 1))).isFalse();
        assertThat(at(5, 1).isAheadOf(opaque("a", 0))).isTrue();
    }

    @Test
    void withASequenceOnOneSideOnlyTheCursorDecides() {
        assertThat(Checkpoint.of("17", 17).isAheadOf(Checkpoint.of("17"))).isFalse();
        assertThat(Checkpoint.of("17").isAheadOf(Checkpoint.of("17", 17))).isFalse();
        assertThat(Checkpoint.of("18", 18).isAheadOf(Checkpoint.of("17"))).isTrue();
    }

    @Test
    void factoriesStartInEpochZero() {
        assertThat(Checkpoint.of("mars@1", 1)).isEqualTo(new Checkpoint("mars@1", OptionalLong.of(1), 0));
        assertThat(Checkpoint.of("x")).isEqualTo(new Checkpoint("x", OptionalLong.empty(), 0));
    }

    @Test
    void validatesItsComponents() {
        assertThatThrownBy(() -> new Checkpoint("a", OptionalLong.empty(), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epoch must be >= 0");
        assertThatNullPointerException().isThrownBy(() -> new Checkpoint(null, OptionalLong.empty(), 0));
        assertThatNullPointerException().isThrownBy(() -> new Checkpoint("a", null, 0));
    }
}
