package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.UrlConnectionHttpClient
import app.rapport.core.attempt
import app.rapport.core.problem
import java.time.Instant
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.CreatedInvite
import uniffi.rapport_ffi.CrisisCountry
import uniffi.rapport_ffi.HeldCheckIns
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.TherapistApp
import uniffi.rapport_ffi.checkClientLabel
import uniffi.rapport_ffi.checkTherapistName
import uniffi.rapport_ffi.crisisCountries
import uniffi.rapport_ffi.crisisCountryForLocale
import uniffi.rapport_ffi.parseInvite

/**
 * The client's first screen: paste or scan the therapist's invite, read what will
 * be shared (the consent text, versioned by the library), choose the country whose
 * crisis lines to show (pre-selected from the phone's region, one tap to change),
 * decide about check-ins made while not paired (kept on the phone unless the
 * client chooses to share them), agree, join.
 *
 * The invite is checked as it is typed (offline, by the library's strict parser),
 * so a cut-off or expired link is named before anything is sent. Requests to the
 * relay named in the invite go through [http].
 */
class JoinScreenModel(
    private val client: ClientApp,
    private val locale: String,
    private val http: HttpClient = UrlConnectionHttpClient(),
    private val now: () -> Instant = Instant::now,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(JoinState())

    /**
     * Loads the consent text in the client's language, the crisis countries (an
     * earlier choice, else the locale's region, pre-selected) and the check-ins held
     * on this device that joining could share.
     */
    suspend fun load() {
        val loaded = withContext(io) {
            attempt {
                val chosen = client.crisisCountry() ?: crisisCountryForLocale(locale)
                Loaded(client.consent(locale), crisisCountries(), chosen, client.heldCheckins())
            }
        }
        val found = loaded.getOrNull()
        state.update {
            if (found == null) it.copy(problem = loaded.problem())
            else it.copy(
                consentText = found.consent.text,
                consentVersion = found.consent.version,
                countries = found.countries,
                crisisCountry = found.country,
                held = found.held.takeIf { held -> held.count > 0u },
            )
        }
    }

    private class Loaded(
        val consent: uniffi.rapport_ffi.Consent,
        val countries: List<CrisisCountry>,
        val country: String?,
        val held: HeldCheckIns,
    )

    /** The client picked the country whose crisis lines they see ([JoinState.countries]' codes). */
    fun chooseCrisisCountry(code: String) = state.update { it.copy(crisisCountry = code) }

    /** The answer to "share the check-ins made while not paired?"; keeping them is the default. */
    fun shareHeld(share: Boolean) = state.update { it.copy(shareHeld = share) }

    /** The invite link as typed or scanned; checked at once. */
    fun editInvite(text: String) {
        val trimmed = text.trim()
        val checked = if (trimmed.isEmpty()) null else attempt { parseInvite(trimmed, now()) }
        state.update {
            it.copy(
                invite = text,
                relayUrl = checked?.getOrNull()?.relayUrl,
                problem = checked?.problem(),
            )
        }
    }

    /** The client ticked (or unticked) "I agree". */
    fun acceptConsent(accepted: Boolean) = state.update { it.copy(consentAccepted = accepted) }

    /** Joins the therapist; the check-in screen can open once [JoinState.joined]. */
    suspend fun join() {
        val before = state.value
        before.relayUrl ?: return
        val version = before.consentVersion ?: return
        if (!before.canJoin) return
        state.update { it.copy(joining = true, problem = null) }
        val joined = attempt {
            client.join(http, before.invite.trim(), version, before.crisisCountry, before.held != null && before.shareHeld)
        }
        val problem = joined.problem()
        state.update { it.copy(joining = false, joined = joined.isSuccess, problem = problem) }
        // The consent text changed since it was shown: show the new one, to be agreed again.
        if (problem?.kind == Problem.Kind.CONSENT_REQUIRED) {
            state.update { it.copy(consentAccepted = false) }
            load()
        }
    }
}

/** Everything the join screen draws. */
data class JoinState(
    /** The invite link as typed. */
    val invite: String = "",
    /** The relay named by a valid invite; `null` while the invite is not valid. */
    val relayUrl: String? = null,
    /** What the client agrees to, in their language. */
    val consentText: String = "",
    /** The version of that text, recorded with the pairing. */
    val consentVersion: UInt? = null,
    /** The client agreed. */
    val consentAccepted: Boolean = false,
    /** The countries with checked crisis lines, for the picker. */
    val countries: List<CrisisCountry> = emptyList(),
    /** The country whose crisis lines the client will see (`IE`); `null` when the locale names none and none was picked. */
    val crisisCountry: String? = null,
    /** Check-ins made on this device while not paired (how many, which session dates); `null` when there are none. */
    val held: HeldCheckIns? = null,
    /** Share [held] with this therapist; `false` (the default) keeps them on this phone only. */
    val shareHeld: Boolean = false,
    /** Joining is in progress. */
    val joining: Boolean = false,
    /** Joined: go to the check-in screen. */
    val joined: Boolean = false,
    /** What went wrong last (an invite's [Problem.code] says which damage). */
    val problem: Problem? = null,
) {
    /** A valid invite, the consent read and agreed, nothing in flight. */
    val canJoin: Boolean get() = relayUrl != null && consentVersion != null && consentAccepted && !joining && !joined
}

/**
 * The therapist's set-up and invite screen: choose the relay and a display name
 * once, then create one single-use invite per client (a link and a QR code).
 *
 * The name and each label are checked by the library as they are typed (empty,
 * too long, a control character), by the same rule set-up and invites apply.
 */
class PracticeSetupModel(
    private val therapist: TherapistApp,
    private val http: HttpClient = UrlConnectionHttpClient(),
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(PracticeSetupState())

    /** Reads whether this device is already set up. */
    suspend fun load() {
        val account = withContext(io) { attempt { therapist.account() } }
        state.update { it.copy(relayUrl = account.getOrNull()?.relayUrl ?: it.relayUrl, setUp = account.getOrNull() != null, problem = account.problem()) }
    }

    /** The relay address as typed. */
    fun editRelayUrl(text: String) = state.update { it.copy(relayUrl = text, problem = null) }

    /** The name clients see, as typed; checked at once. */
    fun editName(text: String) {
        val checked = attempt { checkTherapistName(text) }
        state.update { it.copy(name = text, validName = checked.getOrNull(), nameProblem = checked.problem()) }
    }

    /** The next client's label (initials, say), as typed; it never leaves this device. Checked at once. */
    fun editLabel(text: String) {
        val checked = attempt { checkClientLabel(text) }
        state.update { it.copy(label = text, validLabel = checked.getOrNull(), labelProblem = checked.problem()) }
    }

    /** Sets this device up on the relay. */
    suspend fun setUp() {
        val before = state.value
        if (!before.canSetUp) return
        state.update { it.copy(working = true, problem = null) }
        val url = before.relayUrl.trim()
        val name = before.validName ?: return
        val done = attempt { therapist.setUp(http, url, name) }
        state.update { it.copy(working = false, setUp = done.isSuccess, problem = done.problem()) }
    }

    /** Creates an invite for the client labelled [PracticeSetupState.label]. */
    suspend fun invite() {
        val before = state.value
        if (!before.canInvite) return
        state.update { it.copy(working = true, problem = null) }
        val label = before.validLabel ?: return
        val done = attempt { therapist.inviteClient(http, label, null) }
        state.update {
            if (done.isSuccess) it.copy(working = false, invite = done.getOrNull(), label = "", validLabel = null, labelProblem = null, problem = null)
            else it.copy(working = false, problem = done.problem())
        }
    }
}

/** Everything the therapist's set-up screen draws. */
data class PracticeSetupState(
    /** The relay's address. */
    val relayUrl: String = "",
    /** The therapist's name as clients see it, as typed. */
    val name: String = "",
    /** The name as the library accepted it (trimmed); `null` while it is refused or empty. */
    val validName: String? = null,
    /** Why the library refuses the name as typed (show it once something is typed). */
    val nameProblem: Problem? = null,
    /** This device is set up as a therapist. */
    val setUp: Boolean = false,
    /** The next client's label, as typed. */
    val label: String = "",
    /** The label as the library accepted it (trimmed); `null` while it is refused or empty. */
    val validLabel: String? = null,
    /** Why the library refuses the label as typed (show it once something is typed). */
    val labelProblem: Problem? = null,
    /** The invite just created, to show as a link and QR code. */
    val invite: CreatedInvite? = null,
    /** A request is in progress. */
    val working: Boolean = false,
    /** What went wrong last. */
    val problem: Problem? = null,
) {
    /** An address and a name the library accepts, not yet set up. */
    val canSetUp: Boolean get() = !setUp && !working && relayUrl.isNotBlank() && validName != null

    /** Set up, with a label the library accepts. */
    val canInvite: Boolean get() = setUp && !working && validLabel != null
}
