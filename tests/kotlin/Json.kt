// A small JSON reader for the shared test vectors: the JVM has none built in,
// and the vectors need only objects, arrays, strings, numbers and booleans.
package rapport.tests

class Json private constructor(private val text: String) {
    private var at = 0

    companion object {
        /** Parses `text` into maps, lists, strings, longs, doubles, booleans and null. */
        fun parse(text: String): Any? {
            val reader = Json(text)
            val value = reader.value()
            reader.skipSpace()
            require(reader.at == text.length) { "trailing characters at ${reader.at}" }
            return value
        }
    }

    private fun skipSpace() {
        while (at < text.length && text[at].isWhitespace()) at++
    }

    private fun expect(c: Char) {
        skipSpace()
        require(at < text.length && text[at] == c) { "expected '$c' at $at" }
        at++
    }

    private fun value(): Any? {
        skipSpace()
        require(at < text.length) { "unexpected end of JSON" }
        return when (val c = text[at]) {
            '{' -> obj()
            '[' -> array()
            '"' -> string()
            't' -> literal("true", true)
            'f' -> literal("false", false)
            'n' -> literal("null", null)
            else -> if (c == '-' || c.isDigit()) number() else error("unexpected '$c' at $at")
        }
    }

    private fun literal(word: String, value: Any?): Any? {
        require(text.startsWith(word, at)) { "expected $word at $at" }
        at += word.length
        return value
    }

    private fun obj(): Map<String, Any?> {
        expect('{')
        val out = LinkedHashMap<String, Any?>()
        skipSpace()
        if (text[at] == '}') { at++; return out }
        while (true) {
            skipSpace()
            val key = string()
            expect(':')
            out[key] = value()
            skipSpace()
            if (text[at] == ',') { at++; continue }
            expect('}')
            return out
        }
    }

    private fun array(): List<Any?> {
        expect('[')
        val out = ArrayList<Any?>()
        skipSpace()
        if (text[at] == ']') { at++; return out }
        while (true) {
            out.add(value())
            skipSpace()
            if (text[at] == ',') { at++; continue }
            expect(']')
            return out
        }
    }

    private fun string(): String {
        expect('"')
        val out = StringBuilder()
        while (true) {
            val c = text[at++]
            when (c) {
                '"' -> return out.toString()
                '\\' -> {
                    when (val e = text[at++]) {
                        '"', '\\', '/' -> out.append(e)
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000C')
                        'n' -> out.append('\n')
                        'r' -> out.append('\r')
                        't' -> out.append('\t')
                        'u' -> { out.append(text.substring(at, at + 4).toInt(16).toChar()); at += 4 }
                        else -> error("bad escape \\$e at $at")
                    }
                }
                else -> out.append(c)
            }
        }
    }

    private fun number(): Any {
        val start = at
        while (at < text.length && (text[at].isDigit() || text[at] in "+-.eE")) at++
        val literal = text.substring(start, at)
        return literal.toLongOrNull() ?: literal.toDouble()
    }
}

@Suppress("UNCHECKED_CAST")
fun Any?.obj(): Map<String, Any?> = this as Map<String, Any?>

@Suppress("UNCHECKED_CAST")
fun Any?.list(): List<Any?> = this as List<Any?>

fun Any?.str(): String = this as String
