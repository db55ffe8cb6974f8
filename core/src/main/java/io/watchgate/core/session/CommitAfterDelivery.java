package io.watchgate.core.session;

import java.util.function.Consumer;
import java.util.function.Function;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.util.context.Context;

/**
 * The last operator of a session: hands each notification to the subscriber and, once its {@code
 * onNext} returned, reports the notification's checkpoint as delivered. This is what makes commits
 * at-least-once: a checkpoint is never committed before its notification was received. A
 * notification whose {@code onNext} cancelled the subscription (a consumer that threw, or {@code
 * take(n)} reaching its n-th item) is not committed: it may be delivered again by the next session.
 */
final class CommitAfterDelivery<T> implements CoreSubscriber<Delivery>, Subscription, Scannable {

    private final CoreSubscriber<? super T> actual;
    private final Function<Delivery, T> view;
    private final Consumer<Delivery> onDelivered;
    private Subscription upstream = Operators.EMPTY;
    private volatile boolean cancelled;

    CommitAfterDelivery(CoreSubscriber<? super T> actual, Function<Delivery, T> view, Consumer<Delivery> onDelivered) {
        this.actual = actual;
        this.view = view;
        this.onDelivered = onDelivered;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        this.upstream = subscription;
        actual.onSubscribe(this);
    }

    @Override
    public void onNext(Delivery delivery) {
        actual.onNext(view.apply(delivery));
        if (!cancelled) {
            onDelivered.accept(delivery);
        }
    }

    @Override
    public void onError(Throwable error) {
        actual.onError(error);
    }

    @Override
    public void onComplete() {
        actual.onComplete();
    }

    @Override
    public void request(long n) {
        upstream.request(n);
    }

    @Override
    public void cancel() {
        cancelled = true;
        upstream.cancel();
    }

    @Override
    public Context currentContext() {
        return actual.currentContext();
    }

    @Override
    @SuppressWarnings({"rawtypes", "ReferenceEquality"}) // Scannable's API: raw keys compared by identity
    public @org.jspecify.annotations.Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) {
            return upstream;
        }
        if (key == Attr.ACTUAL) {
            return actual;
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.SYNC;
        }
        return null;
    }

    /** A placeholder subscription before {@code onSubscribe}. */
    private enum Operators implements Subscription {
        EMPTY;

        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
    }
}
