package app.rapport.core

import java.io.Closeable
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The current state of one screen, and who wants to know when it changes.
 *
 * The screen models hold their state here instead of in a `StateFlow` or an
 * androidx `ViewModel` so they stay plain Kotlin: they compile and are tested on
 * the JVM against the real library (with the kotlinx-coroutines the test machine
 * has, which predates `StateFlow`), and the Compose layer adapts them in a few
 * lines. Listeners are called on the thread that made the change; the screen
 * models change state only from the caller's coroutine, which on Android is the
 * main thread.
 */
class ScreenState<S : Any>(initial: S) {
    @Volatile
    private var current: S = initial
    private val listeners = CopyOnWriteArrayList<(S) -> Unit>()

    /** The state as it is now. */
    val value: S get() = current

    /** Calls [listener] now with the current state and after every change, until closed. */
    fun observe(listener: (S) -> Unit): Closeable {
        listeners.add(listener)
        listener(current)
        return Closeable { listeners.remove(listener) }
    }

    /** Replaces the state with [change] applied to it and tells every listener. */
    internal fun update(change: (S) -> S) {
        val next = synchronized(this) {
            current = change(current)
            current
        }
        for (listener in listeners) listener(next)
    }
}
