package app.rapport.core

import uniffi.rapport_ffi.RapportException

/**
 * What an HTTP answer from the relay means to Rapport's sync engine, kept apart
 * from the HTTP client so the mapping is one pure function with its own tests.
 *
 * It mirrors the command line's client (`cli/src/http.rs`) on purpose, so a phone
 * and the CLI react to the same relay answer the same way:
 *
 * - a body that is present but not JSON is a protocol failure, whatever the status
 *   (a captive portal or a proxy's HTML page): [RapportException.Network], because
 *   nothing was stored and syncing again later is the right reaction;
 * - 2xx: the parsed body (or `null` when empty, as for 204);
 * - 429: [RapportException.RateLimited] with the `Retry-After` seconds, 1 when
 *   the header is missing or not a number;
 * - anything else: [RapportException.RelayRefused] with the status, the relay's
 *   `error` code (`"error"` when absent) and its `detail` sentence.
 */
internal object RelayAnswer {
    /** Default wait when a 429 carries no usable `Retry-After`, as in the CLI. */
    private const val DEFAULT_RETRY_AFTER_SECS: ULong = 1u

    /**
     * The JSON of a successful answer, or the typed error an unsuccessful one
     * stands for. [retryAfter] is the raw `Retry-After` header, if any.
     */
    fun interpret(status: Int, retryAfter: String?, body: String): Any? {
        val json: Any? = if (body.isBlank()) {
            null
        } else {
            try {
                RelayJson.parse(body)
            } catch (e: RelayJson.Malformed) {
                throw RapportException.Network("the relay answered $status with a body that is not JSON (${e.message})")
            }
        }
        return when (status) {
            in 200..299 -> json
            429 -> {
                val secs = retryAfter?.trim()?.toULongOrNull() ?: DEFAULT_RETRY_AFTER_SECS
                throw RapportException.RateLimited(secs, "the relay asks to slow down: sync again in $secs s")
            }
            else -> {
                val fields = json as? Map<*, *>
                val code = fields?.get("error") as? String ?: "error"
                val detail = fields?.get("detail") as? String ?: "the relay gave no reason"
                throw RapportException.RelayRefused(status.toUShort(), code, detail)
            }
        }
    }

    /** A required text field of a successful answer. */
    fun text(json: Any?, name: String): String =
        (json as? Map<*, *>)?.get(name) as? String ?: throw protocol("the answer has no \"$name\"")

    /** A required unsigned integer field (such as `seq`) of a successful answer. */
    fun unsigned(json: Any?, name: String): ULong {
        val value = (json as? Map<*, *>)?.get(name) as? Long
        if (value == null || value < 0) throw protocol("the answer has no \"$name\"")
        return value.toULong()
    }

    /**
     * A malformed but parseable answer: the core's transport contract has no
     * separate "protocol" error for apps, and treats anything but
     * `RelayRefused`/`RateLimited` as a network failure, so say so directly.
     */
    fun protocol(detail: String) = RapportException.Network("the relay's answer makes no sense: $detail")
}
