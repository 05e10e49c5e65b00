// Debian's kotlinx-coroutines (1.0.x) predates this marker, which the
// generated bindings import. tests/bindings.sh compiles this file only when
// the coroutines jar on the classpath lacks it; it changes no behaviour.
package kotlinx.coroutines

@RequiresOptIn(level = RequiresOptIn.Level.WARNING)
@Retention(AnnotationRetention.BINARY)
annotation class DelicateCoroutinesApi
