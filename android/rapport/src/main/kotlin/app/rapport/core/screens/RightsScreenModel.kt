package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.attempt
import app.rapport.core.problem
import java.time.LocalDate
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.CrisisCountry
import uniffi.rapport_ffi.HeldCheckIns
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.HttpException
import uniffi.rapport_ffi.HttpRequest
import uniffi.rapport_ffi.HttpResponse
import uniffi.rapport_ffi.Membership
import uniffi.rapport_ffi.crisisCountries
import uniffi.rapport_ffi.crisisCountryForLocale

/** The client's rights, each one action behind a confirmation. */
enum class RightsAction {
    /** Everything on this phone, as a JSON file the client saves where they choose. */
    EXPORT,
    /** New check-ins stay on this phone; the therapist learns only that sharing is paused. */
    PAUSE,
    /** Share again, after answering whether what was held back goes too. */
    RESUME,
    /** End the pairing: nothing more is sent; the therapist keeps what they received. */
    LEAVE,
    /** Delete everything on this phone, and ask the therapist's device to delete what it received. */
    ERASE,
}

/**
 * The client's "Your data" screen: export, pause, resume, leave, erase, and the
 * crisis country. Each action is two steps: [ask] opens its confirmation (for
 * [RightsAction.RESUME], with what was held back during the pause), [confirm] does
 * it, [cancel] closes the confirmation doing nothing.
 *
 * The facts each confirmation states are the library's consent text's (pause,
 * leave, erase everything): [EraseReach] says what an erase will reach now, which
 * depends on whether a therapist is paired.
 */
class RightsScreenModel(
    private val client: ClientApp,
    private val locale: String,
    private val http: () -> HttpClient?,
    private val today: () -> LocalDate = LocalDate::now,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(RightsState())

    /** Reads the pairing, what is on this phone and the crisis country. */
    suspend fun load() {
        val loaded = withContext(io) {
            attempt {
                Loaded(
                    membership = client.membership(),
                    checkins = countCheckins(),
                    countries = crisisCountries(),
                    chosen = client.crisisCountry(),
                    regional = crisisCountryForLocale(locale),
                )
            }
        }
        val found = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem()) }
            return
        }
        state.update {
            it.copy(
                loading = false,
                membership = found.membership,
                checkinsOnPhone = found.checkins,
                countries = found.countries,
                crisisCountry = found.chosen ?: found.regional,
                crisisCountryChosen = found.chosen != null,
            )
        }
    }

    private class Loaded(
        val membership: Membership,
        val checkins: Int,
        val countries: List<CrisisCountry>,
        val chosen: String?,
        val regional: String?,
    )

    private fun countCheckins(): Int {
        var count = 0
        var page = client.history(null, 1000u)
        while (true) {
            count += page.checkins.size
            val next = page.next ?: return count
            page = client.history(next, 1000u)
        }
    }

    /**
     * Opens [action]'s confirmation, if the action applies now ([RightsState.canDo]).
     * Resuming first reads what was held back, so the question can say how much.
     */
    suspend fun ask(action: RightsAction) {
        if (!state.value.canDo(action)) return
        val held = if (action == RightsAction.RESUME) {
            val read = withContext(io) { attempt { client.heldCheckins() } }
            read.getOrNull() ?: run {
                state.update { it.copy(problem = read.problem()) }
                return
            }
        } else {
            null
        }
        state.update { it.copy(confirming = action, held = held, done = null, problem = null) }
    }

    /** Closes the confirmation; nothing is done. */
    fun cancel() = state.update { it.copy(confirming = null, held = null) }

    /**
     * Does the confirmed action. [sendHeld] answers the resume question: `true`
     * sends what was held back during the pause, `false` (the default) keeps it on
     * this phone, never sent to this therapist. Other actions ignore it.
     */
    suspend fun confirm(sendHeld: Boolean = false) {
        val before = state.value
        val action = before.confirming ?: return
        if (before.working) return
        state.update { it.copy(working = true, problem = null) }
        val relay = http()
        val outcome: Result<Outcome> = withContext(io) {
            attempt {
                when (action) {
                    RightsAction.EXPORT ->
                        Outcome(export = ExportFile("rapport-export-${today()}.json", "application/json", client.exportJson()))
                    RightsAction.PAUSE -> {
                        client.pauseSharing()
                        Outcome(waiting = syncProblem(relay))
                    }
                    RightsAction.RESUME -> {
                        client.resumeSharing(sendHeld)
                        Outcome(waiting = syncProblem(relay))
                    }
                    // Leaving tells the therapist through the relay first: unreachable, the library's
                    // own error says so, and the leave waits to be tried again (the library sends
                    // nothing new to the therapist meanwhile).
                    RightsAction.LEAVE -> {
                        client.leaveTherapist(relay ?: NoRelay)
                        Outcome()
                    }
                    RightsAction.ERASE -> {
                        val wiped = client.eraseEverything()
                        // Paired: the next sync delivers the erase, then wipes this phone.
                        Outcome(waiting = if (wiped) null else syncProblem(relay))
                    }
                }
            }
        }
        val done = outcome.getOrNull()
        // A refused or failed action leaves its confirmation open to try again; one done
        // while the relay could not be reached is done, and [RightsState.problem] says what waits.
        state.update {
            if (done == null) it.copy(working = false, problem = outcome.problem())
            else it.copy(
                working = false,
                confirming = null,
                held = null,
                done = action,
                export = done.export ?: it.export,
                problem = done.waiting,
            )
        }
        if (done != null) load()
    }

    private class Outcome(val export: ExportFile? = null, val waiting: Problem? = null)

    /** No relay at hand (not joined): a call that needs one fails with the library's "offline" error. */
    private object NoRelay : HttpClient {
        override fun send(request: HttpRequest): HttpResponse = throw HttpException.Unreachable("no relay at hand")
    }

    /**
     * Erasing waits for the relay (the therapist must be told first): tries the
     * sync that finishes it again.
     */
    suspend fun finishErase() {
        if (state.value.membership != Membership.Erasing) return
        state.update { it.copy(working = true, problem = null) }
        val problem = withContext(io) { attempt { syncProblem(http()) } }
        state.update { it.copy(working = false, problem = problem.getOrNull() ?: problem.problem()) }
        load()
    }

    /** The export was written where the client chose (or they cancelled): forget its text. */
    fun exportHandled() = state.update { it.copy(export = null) }

    /** Changes the country whose crisis lines the client sees; takes effect at once. */
    suspend fun chooseCrisisCountry(code: String) {
        val set = withContext(io) { attempt { client.setCrisisCountry(code) } }
        val kept = set.getOrNull()
        state.update {
            if (set.isFailure) it.copy(problem = set.problem())
            else it.copy(crisisCountry = kept, crisisCountryChosen = kept != null, problem = null)
        }
    }

    private suspend fun syncProblem(relay: HttpClient?): Problem? {
        val to = relay ?: return null
        return attempt { client.sync(to) }.problem()
    }
}

/** A file for the client to save (Android: Storage Access Framework; iOS: the share sheet). */
data class ExportFile(
    /** The suggested file name. */
    val fileName: String,
    /** Its MIME type. */
    val mimeType: String,
    /** The contents: plaintext, every check-in and private note included. */
    val text: String,
)

/**
 * What an erase will and will not reach now, for its confirmation (the facts of
 * the consent text's "Erase everything"). It always deletes everything on this
 * phone; it cannot reach what the therapist copied out of Rapport.
 */
data class EraseReach(
    /** The check-ins on this phone it deletes (with goals and settings). */
    val checkinsOnPhone: Int,
    /**
     * A therapist is paired: their device is asked to delete everything it received
     * from this client at its next sync, and the relay to drop what waits for this
     * phone. `false` after leaving: an erase then reaches no therapist at all.
     */
    val reachesTherapist: Boolean,
)

/** Everything the "Your data" screen draws. */
data class RightsState(
    /** The first load is in progress. */
    val loading: Boolean = true,
    /** Where the pairing stands; `null` until loaded. */
    val membership: Membership? = null,
    /** Check-ins on this phone. */
    val checkinsOnPhone: Int = 0,
    /** The countries with checked crisis lines, for the picker. */
    val countries: List<CrisisCountry> = emptyList(),
    /** The country whose crisis lines are shown: the client's choice, else the locale's region. */
    val crisisCountry: String? = null,
    /** [crisisCountry] was chosen by the client (not taken from the locale). */
    val crisisCountryChosen: Boolean = false,
    /** The action whose confirmation is open. */
    val confirming: RightsAction? = null,
    /** For the resume question: what was held back during the pause (count and session dates). */
    val held: HeldCheckIns? = null,
    /** An action is in progress. */
    val working: Boolean = false,
    /** The action just done, to say so. */
    val done: RightsAction? = null,
    /** The export to save, once made. */
    val export: ExportFile? = null,
    /** What went wrong last (for a done action: what waits, such as an offline sync). */
    val problem: Problem? = null,
) {
    private val active: Membership.Active? get() = membership as? Membership.Active

    /** Sharing is paused. */
    val paused: Boolean get() = active?.paused == true

    /** What an erase would reach now. */
    val eraseReach: EraseReach
        get() = EraseReach(checkinsOnPhone, reachesTherapist = membership is Membership.Active || membership == Membership.Erasing)

    /** Whether [action] applies now. */
    fun canDo(action: RightsAction): Boolean {
        if (membership == null || working) return false
        return when (action) {
            RightsAction.EXPORT -> true
            RightsAction.PAUSE -> active?.paused == false
            RightsAction.RESUME -> active?.paused == true
            RightsAction.LEAVE -> membership is Membership.Active || membership is Membership.Revoked
            RightsAction.ERASE -> membership != Membership.Erasing
        }
    }
}
