package app.rapport.core

import uniffi.rapport_ffi.InternalException
import uniffi.rapport_ffi.RapportException

/**
 * A failure as a screen shows it: what kind (so the screen can pick the right
 * action: retry later, re-enter the passphrase, ask for a new invite, point at a
 * field) and the library's sentence for a person, which already says what to do.
 *
 * Screens never show an exception's `message`: the generated `message` is a
 * debugging dump (`status=403, code=..., reason=...`), not a sentence.
 */
data class Problem(
    /** What went wrong, for choosing the screen's reaction. */
    val kind: Kind,
    /** The library's sentence for a person. */
    val reason: String,
    /** The control at fault, for a refused check-in (`heard`, `note`, `session_date`, ...) or name (`name`, `label`). */
    val field: String? = null,
    /** The library's code: a refused invite's damage (`expired`, `altered`, `validity_too_long`, ...), name's (`name_empty`, ...) or relay address's (`plain_http`, ...). */
    val code: String? = null,
    /** Seconds to wait before syncing again, when the relay asked to slow down. */
    val retryAfterSecs: ULong? = null,
) {
    /** The reactions a screen can offer. */
    enum class Kind {
        /** The relay could not be reached: nothing was lost, try again later. */
        OFFLINE,
        /** The relay refused (revoked token, full mailbox, ...). */
        REFUSED,
        /** The relay asked to slow down. */
        RATE_LIMITED,
        /** The check-in was refused: point at [field]. */
        INVALID_CHECKIN,
        /** The invite cannot be used: ask the therapist for a new one (or, making one, choose another validity). */
        INVALID_INVITE,
        /** The relay address is not one Rapport will use: ask for it again ([code] says why). */
        INVALID_RELAY_URL,
        /** A name or label as typed was refused: point at [field]. */
        INVALID_NAME,
        /** A goal as typed (or a fourth active one) was refused: show the reason by it ([code] says which). */
        INVALID_GOAL,
        /** The passphrase is wrong or the keystore is locked. */
        LOCKED,
        /** This device has not joined a therapist, or is set up for the other role. */
        NOT_SET_UP,
        /** The check-in, client or flag no longer exists: refresh and pick again. */
        NOT_FOUND,
        /** Joining needs the current consent text agreed: show it again. */
        CONSENT_REQUIRED,
        /** The pairing has ended (revoked, or erasing): check-ins stay on this device. */
        SHARING_ENDED,
        /** Anything else (storage, an internal failure): the sentence says what to do. */
        OTHER,
    }

    companion object {
        /** The problem a library call failed with. */
        fun of(e: Exception): Problem = when (e) {
            is RapportException.Network -> Problem(Kind.OFFLINE, e.reason)
            is RapportException.RelayRefused -> Problem(Kind.REFUSED, e.reason, code = e.code)
            is RapportException.RateLimited -> Problem(Kind.RATE_LIMITED, e.reason, retryAfterSecs = e.retryAfterSecs)
            is RapportException.InvalidCheckIn -> Problem(Kind.INVALID_CHECKIN, e.reason, field = e.field)
            is RapportException.InvalidInvite -> Problem(Kind.INVALID_INVITE, e.reason, code = e.code)
            is RapportException.InvalidRelayUrl -> Problem(Kind.INVALID_RELAY_URL, e.reason, code = e.code)
            is RapportException.InvalidName -> Problem(Kind.INVALID_NAME, e.reason, field = e.field, code = e.code)
            is RapportException.WrongPassphrase -> Problem(Kind.LOCKED, e.reason)
            is RapportException.KeyUnavailable -> Problem(Kind.LOCKED, e.reason)
            is RapportException.NotSetUp -> Problem(Kind.NOT_SET_UP, e.reason)
            is RapportException.WrongSetup -> Problem(Kind.NOT_SET_UP, e.reason)
            is RapportException.InvalidGoal -> Problem(Kind.INVALID_GOAL, e.reason, code = e.code)
            is RapportException.CheckInNotFound -> Problem(Kind.NOT_FOUND, e.reason)
            is RapportException.GoalNotFound -> Problem(Kind.NOT_FOUND, e.reason)
            is RapportException.NotFound -> Problem(Kind.NOT_FOUND, e.reason)
            is RapportException.ConsentRequired -> Problem(Kind.CONSENT_REQUIRED, e.reason)
            is RapportException.SharingEnded -> Problem(Kind.SHARING_ENDED, e.reason)
            is RapportException -> Problem(Kind.OTHER, reasonOf(e))
            is InternalException -> Problem(Kind.OTHER, "Something went wrong inside Rapport. Your check-ins are safe; please try again.")
            else -> Problem(Kind.OTHER, "Something went wrong. Your check-ins are safe; please try again.")
        }

        /** The `reason` of any library error, including variants added after this file. */
        private fun reasonOf(e: RapportException): String =
            when (e) {
                is RapportException.Storage -> e.reason
                is RapportException.EnvelopeRefused -> e.reason
                else -> "Something went wrong. Your check-ins are safe; please try again."
            }
    }
}

/**
 * Runs a library call, turning the errors a screen handles into a [Problem] and
 * letting everything else (cancellation, programming errors) through.
 */
internal inline fun <T> attempt(block: () -> T): Result<T> =
    try {
        Result.success(block())
    } catch (e: RapportException) {
        Result.failure(e)
    } catch (e: InternalException) {
        Result.failure(e)
    }

/** The [Problem] of a failed [attempt]. */
internal fun Result<*>.problem(): Problem? = exceptionOrNull()?.let { Problem.of(it as Exception) }
