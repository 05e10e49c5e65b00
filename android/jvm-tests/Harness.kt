// The test harness for the pure-Kotlin part of the Android library, run on the
// JVM by tests/mobile.sh against the real rapport-ffi library (through JNA):
// a runner in the same style as tests/kotlin (one `PASS name` / `FAIL name: e`
// line per test, `N passed, M failed` last), a real relay started from the
// `rapport` binary, and a scripted HTTP server for answers a healthy relay never
// gives. Not part of the Gradle build: Android-only code cannot run here, and
// these tests need a relay binary built for this machine.
package app.rapport.jvmtests

import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.HttpURLConnection
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.URL
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.HttpException
import uniffi.rapport_ffi.HttpRequest
import uniffi.rapport_ffi.HttpResponse

/** Where each suite keeps databases and relay files; removed when it ends. */
val scratch: File = Files.createTempDirectory("rapport-mobile").toFile()
private var fileCounter = 0

/** A fresh file path in [scratch]. */
fun newPath(name: String) = File(scratch, "$name-${++fileCounter}").path

// ---- assertions ----------------------------------------------------------

fun check(condition: Boolean, what: () -> String = { "check failed" }) {
    if (!condition) throw AssertionError(what())
}

fun <T> assertEqual(expected: T, actual: T, what: String = "") {
    if (expected != actual) throw AssertionError("$what: expected <$expected> but was <$actual>")
}

inline fun <reified E : Throwable> assertThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName} but got $e", e)
    }
    throw AssertionError("expected ${E::class.simpleName} but nothing was thrown")
}

// ---- the runner ----------------------------------------------------------

/** The tests of one suite, in definition order. */
class Suite {
    private val tests = linkedMapOf<String, () -> Unit>()

    /** Defines a test; names must be unique and should read as a specification. */
    fun test(name: String, body: () -> Unit) {
        require(name !in tests) { "duplicate test name: $name" }
        tests[name] = body
    }

    /**
     * Runs every test, prints one line each and the summary, and exits: 0 only when
     * at least one test ran and none failed. [cleanup] runs before the summary.
     */
    fun runAndExit(cleanup: () -> Unit = {}): Nothing {
        var passed = 0
        var failed = 0
        for ((name, body) in tests) {
            try {
                body()
                passed++
                println("PASS $name")
            } catch (e: Throwable) {
                failed++
                println("FAIL $name: $e")
                e.printStackTrace(System.out)
            }
        }
        try {
            cleanup()
        } finally {
            scratch.deleteRecursively()
        }
        println("$passed passed, $failed failed")
        exitProcess(if (failed == 0 && passed > 0) 0 else 1)
    }
}

/** A low scrypt work factor keeps the tests fast; apps leave it unset. */
const val WORK_FACTOR: UByte = 4u

/** A phone with no connection: every request fails before reaching anything. */
object Offline : HttpClient {
    override fun send(request: HttpRequest): HttpResponse = throw HttpException.Unreachable("no connection (test)")
}

// ---- a real relay --------------------------------------------------------

/** A port on loopback that nothing listens on (connections to it are refused). */
fun closedPort(): Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }

/**
 * `rapport relay serve` on a free loopback port, as the CLI's end-to-end tests
 * start it: pick a free port, start the process, poll `/v1/health`.
 */
class LocalRelay(binary: String) : AutoCloseable {
    private val dir = File(newPath("relay")).apply { mkdirs() }
    private val log = File(dir, "relay.log")
    private val process: Process

    /** The relay's base URL. */
    val url: String

    init {
        val port = closedPort()
        // Every test's devices share this machine's address: lift the per-peer
        // mailbox budget meant for a public relay.
        process = ProcessBuilder(
            binary, "relay", "serve", "--db", File(dir, "relay.db").path, "--listen", "127.0.0.1:$port",
            "--mailbox-burst", "100000",
        )
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start()
        url = "http://127.0.0.1:$port"
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
        while (!healthy()) {
            if (!process.isAlive || System.nanoTime() > deadline) {
                close()
                throw IllegalStateException("the relay did not start: ${log.readText().takeLast(2000)}")
            }
            Thread.sleep(50)
        }
    }

    private fun healthy(): Boolean = try {
        val connection = URL("$url/v1/health").openConnection() as HttpURLConnection
        connection.connectTimeout = 500
        connection.readTimeout = 2000
        connection.responseCode == 200
    } catch (e: java.io.IOException) {
        false
    }

    /** Stops the relay (SIGTERM, as an operator would) and waits for it. */
    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }
}

// ---- a scripted HTTP server ----------------------------------------------

/**
 * An HTTP server on loopback that records each request and answers as told, for
 * the answers a healthy relay rarely gives (429, 507, HTML from a proxy, garbage,
 * a stall).
 */
class ScriptedServer : AutoCloseable {
    /** One request as it arrived. */
    class Request(
        val method: String,
        val path: String,
        val query: String?,
        val authorization: String?,
        val contentType: String?,
        val body: ByteArray,
    )

    /** One answer to give. */
    data class Reply(
        val status: Int,
        val body: String = "",
        val headers: Map<String, String> = emptyMap(),
        val delayMillis: Long = 0,
    )

    /** Every request so far, in order. */
    val requests = CopyOnWriteArrayList<Request>()

    /** How to answer the next requests. */
    @Volatile
    var reply: (Request) -> Reply = { Reply(200, "{}") }

    private val pool = Executors.newCachedThreadPool()
    private val server: HttpServer = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)

    /** The base URL to give the transport. */
    val url: String

    init {
        server.createContext("/") { exchange ->
            val request = Request(
                method = exchange.requestMethod,
                path = exchange.requestURI.rawPath,
                query = exchange.requestURI.rawQuery,
                authorization = exchange.requestHeaders.getFirst("Authorization"),
                contentType = exchange.requestHeaders.getFirst("Content-Type"),
                body = exchange.requestBody.readBytes(),
            )
            requests.add(request)
            val answer = reply(request)
            if (answer.delayMillis > 0) Thread.sleep(answer.delayMillis)
            for ((name, value) in answer.headers) exchange.responseHeaders.add(name, value)
            val bytes = answer.body.toByteArray(Charsets.UTF_8)
            exchange.sendResponseHeaders(answer.status, if (bytes.isEmpty()) -1 else bytes.size.toLong())
            if (bytes.isNotEmpty()) exchange.responseBody.use { it.write(bytes) }
            exchange.close()
        }
        server.executor = pool
        server.start()
        url = "http://127.0.0.1:${server.address.port}"
    }

    override fun close() {
        server.stop(0)
        pool.shutdownNow()
    }
}
