package app.rapport.core

/**
 * `tel:` and `sms:` links for crisis lines, built here rather than in each screen
 * because a malformed link fails silently on a phone: the button does nothing at
 * the one moment it must work.
 */
object ContactLinks {
    /** Characters a dial string may keep; everything else (spaces, dashes, letters) is dropped. */
    private const val DIALABLE = "+0123456789*#"

    /**
     * The digits to dial from a crisis line's `dial` field, or `null` when it holds
     * none (then the screen shows the number as text instead of a dead button).
     */
    fun dialString(dial: String): String? {
        val kept = dial.filter { it in DIALABLE }
        return kept.takeIf { it.any(Char::isDigit) }
    }

    /**
     * The emergency numbers in the library's `emergencyNumber` text, each with its
     * `tel:` link: one for a country ("999"), several for the fallback ("112 / 911"),
     * which must become two buttons, never one call to 112911.
     */
    fun emergencyNumbers(text: String): List<DialableNumber> =
        text.split('/', ',', ';').map { it.trim() }.mapNotNull { shown ->
            telUri(shown)?.let { DialableNumber(shown, it) }
        }

    /** `tel:` link that starts a call to [dial] (RFC 3966; `#` is percent-encoded). */
    fun telUri(dial: String): String? = dialString(dial)?.let { "tel:" + it.replace("#", "%23") }

    /**
     * `sms:` link that opens a text to [dial], with [body] filled in when the line asks
     * for a keyword (RFC 5724 `?body=`, which both Android and iOS messaging apps read).
     */
    fun smsUri(dial: String, body: String?): String? {
        val number = dialString(dial) ?: return null
        val text = body?.takeIf { it.isNotBlank() } ?: return "sms:$number"
        return "sms:$number?body=${percentEncode(text)}"
    }
}

/** A number as printed, and the link that dials it. */
data class DialableNumber(
    /** As the data prints it ("112"). */
    val shown: String,
    /** The `tel:` link. */
    val uri: String,
)

/** Percent-encodes everything but RFC 3986's unreserved characters, byte by byte in UTF-8. */
internal fun percentEncode(value: String): String {
    val hex = "0123456789ABCDEF"
    val out = StringBuilder()
    for (byte in value.toByteArray(Charsets.UTF_8)) {
        val c = byte.toInt() and 0xff
        val ch = c.toChar()
        if (ch in 'A'..'Z' || ch in 'a'..'z' || ch in '0'..'9' || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out.append(ch)
        } else {
            out.append('%').append(hex[c shr 4]).append(hex[c and 15])
        }
    }
    return out.toString()
}
