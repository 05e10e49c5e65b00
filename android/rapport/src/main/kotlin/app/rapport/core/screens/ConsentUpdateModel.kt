package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.attempt
import app.rapport.core.problem
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.ClientApp

/**
 * Asks a client who accepted an earlier consent text to read and accept the
 * current one, once, before their next check-in. Nothing is lost meanwhile: the
 * library keeps every check-in, every waiting change and the pairing as they are;
 * it only refuses new check-ins (`ConsentRequired`) until the text is accepted.
 *
 * Open it when the client's home opens: [load] says whether it is needed at all.
 */
class ConsentUpdateModel(
    private val client: ClientApp,
    private val locale: String,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(ConsentUpdateState())

    /** Reads whether the client must accept the current text, and loads it if so. */
    suspend fun load() {
        val loaded = withContext(io) {
            attempt {
                val status = client.consentStatus()
                status to if (status.mustAccept) client.consent(locale) else null
            }
        }
        val (status, consent) = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem()) }
            return
        }
        state.update {
            it.copy(
                loading = false,
                mustAccept = status.mustAccept,
                acceptedVersion = status.accepted,
                consentText = consent?.text.orEmpty(),
                consentVersion = consent?.version,
                problem = null,
            )
        }
    }

    /** The client ticked (or unticked) "I agree". */
    fun agree(agreed: Boolean) = state.update { it.copy(agreed = agreed) }

    /** Records the acceptance; [ConsentUpdateState.mustAccept] turns false and the home opens as usual. */
    suspend fun accept() {
        val before = state.value
        val version = before.consentVersion ?: return
        if (!before.canAccept) return
        state.update { it.copy(working = true, problem = null) }
        val accepted = withContext(io) { attempt { client.acceptConsent(version) } }
        val status = accepted.getOrNull()
        state.update {
            if (status == null) it.copy(working = false, problem = accepted.problem())
            else it.copy(working = false, mustAccept = status.mustAccept, acceptedVersion = status.accepted)
        }
        // The text changed again while it was on screen: show the newer one.
        if (accepted.problem()?.kind == Problem.Kind.CONSENT_REQUIRED) {
            state.update { it.copy(agreed = false) }
            load()
        }
    }
}

/** Everything the consent-update screen draws. */
data class ConsentUpdateState(
    /** The status is being read. */
    val loading: Boolean = true,
    /** The current text waits to be accepted: show this screen instead of the check-in. */
    val mustAccept: Boolean = false,
    /** The version the client accepted earlier (when they joined). */
    val acceptedVersion: UInt? = null,
    /** The current text, in the client's language. */
    val consentText: String = "",
    /** Its version, recorded when accepted. */
    val consentVersion: UInt? = null,
    /** The client ticked "I agree". */
    val agreed: Boolean = false,
    /** The acceptance is being recorded. */
    val working: Boolean = false,
    /** What went wrong last. */
    val problem: Problem? = null,
) {
    /** The text shown and agreed, nothing in flight. */
    val canAccept: Boolean get() = mustAccept && consentVersion != null && agreed && !working
}
