package app.rapport.core

/**
 * A strict reader for the relay's small JSON answers.
 *
 * The relay answers with flat objects (`{"mailbox_id": ..., "read_token": ...}`,
 * `{"seq": 3}`, `{"messages": [...], "more": false}`, `{"error": ..., "detail": ...}`).
 * Android ships `org.json` but the JVM does not, and this module must compile and
 * be tested on the plain JVM, so it carries its own reader instead of a dependency.
 * It is strict on purpose: anything that is not exactly one JSON value is refused,
 * so a captive portal's HTML or a truncated answer is never half-understood.
 *
 * Values come back as `Map<String, Any?>`, `List<Any?>`, `String`, `Long` (integers),
 * `Double` (other numbers), `Boolean` or `null`.
 */
internal class RelayJson private constructor(private val text: String) {
    private var at = 0

    /** The text is not one well-formed JSON value; [offset] is where reading stopped. */
    class Malformed(what: String, val offset: Int) : Exception("$what at offset $offset")

    companion object {
        /** Deepest nesting accepted: relay answers nest two levels, a hostile body may nest thousands. */
        private const val MAX_DEPTH = 32

        /** Parses [text] as exactly one JSON value, or throws [Malformed]. */
        fun parse(text: String): Any? {
            val reader = RelayJson(text)
            val value = reader.value(0)
            reader.skipSpace()
            if (reader.at != text.length) throw Malformed("trailing characters", reader.at)
            return value
        }
    }

    private fun fail(what: String): Nothing = throw Malformed(what, at)

    private fun skipSpace() {
        while (at < text.length && text[at] in " \t\r\n") at++
    }

    private fun value(depth: Int): Any? {
        if (depth > MAX_DEPTH) fail("nested too deeply")
        skipSpace()
        if (at >= text.length) fail("unexpected end")
        return when (text[at]) {
            '{' -> obj(depth)
            '[' -> array(depth)
            '"' -> string()
            't' -> literal("true", true)
            'f' -> literal("false", false)
            'n' -> literal("null", null)
            else -> number()
        }
    }

    private fun literal(word: String, result: Any?): Any? {
        if (!text.startsWith(word, at)) fail("unexpected character")
        at += word.length
        return result
    }

    private fun obj(depth: Int): Map<String, Any?> {
        at++ // '{'
        val result = LinkedHashMap<String, Any?>()
        skipSpace()
        if (at < text.length && text[at] == '}') {
            at++
            return result
        }
        while (true) {
            skipSpace()
            if (at >= text.length || text[at] != '"') fail("expected a key")
            val key = string()
            skipSpace()
            if (at >= text.length || text[at] != ':') fail("expected ':'")
            at++
            result[key] = value(depth + 1)
            skipSpace()
            if (at >= text.length) fail("unexpected end")
            when (text[at++]) {
                ',' -> continue
                '}' -> return result
                else -> fail("expected ',' or '}'")
            }
        }
    }

    private fun array(depth: Int): List<Any?> {
        at++ // '['
        val result = ArrayList<Any?>()
        skipSpace()
        if (at < text.length && text[at] == ']') {
            at++
            return result
        }
        while (true) {
            result.add(value(depth + 1))
            skipSpace()
            if (at >= text.length) fail("unexpected end")
            when (text[at++]) {
                ',' -> continue
                ']' -> return result
                else -> fail("expected ',' or ']'")
            }
        }
    }

    private fun string(): String {
        at++ // opening quote
        val out = StringBuilder()
        while (true) {
            if (at >= text.length) fail("unterminated string")
            val c = text[at++]
            when {
                c == '"' -> return out.toString()
                c == '\\' -> {
                    if (at >= text.length) fail("unterminated escape")
                    when (val e = text[at++]) {
                        '"', '\\', '/' -> out.append(e)
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000C')
                        'n' -> out.append('\n')
                        'r' -> out.append('\r')
                        't' -> out.append('\t')
                        'u' -> {
                            if (at + 4 > text.length) fail("short \\u escape")
                            val code = text.substring(at, at + 4).toIntOrNull(16) ?: fail("bad \\u escape")
                            out.append(code.toChar())
                            at += 4
                        }
                        else -> fail("bad escape")
                    }
                }
                c < ' ' -> fail("control character in string")
                else -> out.append(c)
            }
        }
    }

    private fun number(): Any {
        val start = at
        if (at < text.length && text[at] == '-') at++
        val digitsStart = at
        while (at < text.length && text[at].isDigit()) at++
        if (at == digitsStart) fail("unexpected character")
        var integral = true
        if (at < text.length && text[at] == '.') {
            integral = false
            at++
            val fraction = at
            while (at < text.length && text[at].isDigit()) at++
            if (at == fraction) fail("digits expected after '.'")
        }
        if (at < text.length && (text[at] == 'e' || text[at] == 'E')) {
            integral = false
            at++
            if (at < text.length && (text[at] == '+' || text[at] == '-')) at++
            val exponent = at
            while (at < text.length && text[at].isDigit()) at++
            if (at == exponent) fail("digits expected in exponent")
        }
        val literal = text.substring(start, at)
        return if (integral) literal.toLongOrNull() ?: literal.toDouble() else literal.toDouble()
    }
}
