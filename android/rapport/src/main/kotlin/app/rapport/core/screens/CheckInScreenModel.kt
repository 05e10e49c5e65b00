package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.SessionDates
import app.rapport.core.attempt
import app.rapport.core.problem
import java.time.LocalDate
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.CheckIn
import uniffi.rapport_ffi.CheckInDraft
import uniffi.rapport_ffi.CheckInForm
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.FormProgress
import uniffi.rapport_ffi.Goal
import uniffi.rapport_ffi.GoalRating
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.Note
import uniffi.rapport_ffi.NoteVisibility
import uniffi.rapport_ffi.checkinProgress
import uniffi.rapport_ffi.crisisResources
import uniffi.rapport_ffi.goalLimits

/**
 * The client's check-in screen: one tap per required item, one optional tap per
 * active goal ("how close am I", 0 to the library's top), an optional note, a
 * send button, and the "I need support now" button that opens the crisis
 * resources at once, offline.
 *
 * Sending records the check-in on the device first (so it is never lost) and then
 * tries to sync; a relay that cannot be reached only means "saved, will be sent".
 * When the library says the answers call for it (very low hope, or support asked
 * for), the crisis sheet opens with the recorded check-in.
 *
 * What the form holds and when send may be on are the library's: the form comes
 * from `checkinForm` and every tap and keystroke asks `checkinProgress` what is
 * missing and how long the note is, so this model keeps only what is on screen.
 *
 * Blocking library calls run on [io]; the screen calls the `suspend` functions from
 * its own coroutine (on Android, the main thread) and draws [state].
 *
 * @param http the app's HTTP client once the client has joined, or `null` while there
 *   is none (then check-ins wait on the device).
 */
class CheckInScreenModel(
    private val client: ClientApp,
    private val locale: String,
    private val http: () -> HttpClient?,
    private val today: () -> LocalDate = { LocalDate.now() },
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(CheckInState())

    private var form: CheckInForm? = null

    /** Loads the form in the client's language, the "not monitored" notice and the active goals. */
    suspend fun load() {
        val loaded = withContext(io) {
            attempt { Triple(client.checkinForm(locale), crisisResources(locale).notMonitored, client.activeGoals()) }
        }
        val (checkinForm, notMonitored, goals) = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem()) }
            return
        }
        form = checkinForm
        state.update {
            withProgress(
                it.copy(
                    loading = false,
                    title = checkinForm.title,
                    items = checkinForm.items.map { item ->
                        RatingItem(
                            id = item.id,
                            prompt = item.prompt,
                            required = item.required,
                            options = item.scale.map { point -> RatingOption(point.value, point.label) },
                            selected = null,
                        )
                    },
                    notePrompt = checkinForm.notePrompt,
                    noteMaxChars = checkinForm.noteMaxChars.toInt(),
                    notMonitored = notMonitored,
                    goals = goalRows(goals, it.goals),
                    goalScale = (0..goalLimits().ratingMax.toInt()).map(Int::toUByte),
                    problem = null,
                ),
            )
        }
    }

    /** The client tapped [value] on item [itemId]; tapping the chosen value again clears it. */
    fun rate(itemId: String, value: UByte) = state.update { s ->
        withProgress(
            s.copy(
                items = s.items.map { if (it.id == itemId) it.copy(selected = if (it.selected == value) null else value) else it },
                problem = s.problem?.takeUnless { it.field == itemId },
                delivery = null,
            ),
        )
    }

    /**
     * Reads the active goals again (the client may have set, reworded or archived
     * one on the goals screen since): call it when the screen shows again. Ratings
     * already tapped stay on the goals that are still active.
     */
    suspend fun reloadGoals() {
        val loaded = withContext(io) { attempt { client.activeGoals() } }
        val goals = loaded.getOrNull() ?: run {
            state.update { it.copy(problem = loaded.problem()) }
            return
        }
        state.update { it.copy(goals = goalRows(goals, it.goals)) }
    }

    private fun goalRows(goals: List<Goal>, before: List<GoalRow>): List<GoalRow> =
        goals.map { goal -> GoalRow(goal.id, goal.text, selected = before.firstOrNull { it.id == goal.id }?.selected) }

    /**
     * The client tapped [value] (one of [CheckInState.goalScale], "how close am I") on
     * goal [goalId]; tapping the chosen value again clears it. Rating a goal is optional.
     */
    fun rateGoal(goalId: String, value: UByte) = state.update { s ->
        s.copy(
            goals = s.goals.map { if (it.id == goalId) it.copy(selected = if (it.selected == value) null else value) else it },
            problem = s.problem?.takeUnless { it.field == "goal_ratings" },
            delivery = null,
        )
    }

    /** The note as typed so far. */
    fun editNote(text: String) = state.update { s ->
        withProgress(s.copy(note = text, problem = s.problem?.takeUnless { it.field == "note" }, delivery = null))
    }

    /** [s] with the library's word on what its form still needs. */
    private fun withProgress(s: CheckInState): CheckInState {
        val checkinForm = form ?: return s.copy(progress = null)
        return s.copy(progress = checkinProgress(checkinForm, s.answers, s.note))
    }

    /** Whether the note goes to the therapist (it stays private unless the client says so). */
    fun shareNote(shared: Boolean) = state.update { it.copy(noteShared = shared) }

    /** Whether this check-in tells the therapist the client asked for support. */
    fun requestSupport(requested: Boolean) = state.update { it.copy(supportRequested = requested) }

    /**
     * "I need support now": opens the crisis resources straight away from the
     * library's bundled data (no network), for the crisis country the client chose
     * (else the locale's region), and marks the check-in being written so
     * the therapist sees the request when it is sent. Nobody is alerted in real
     * time, which the sheet says.
     */
    fun needSupportNow() {
        // The sheet opens whatever happens: if the chosen country cannot be read, the locale's lines.
        val resources = attempt { client.crisisResources(locale) }.recoverCatching { crisisResources(locale) }
        val found = resources.getOrNull()
        state.update {
            if (found == null) it.copy(problem = resources.problem())
            else it.copy(supportRequested = true, crisis = CrisisSheet.from(found, null))
        }
    }

    /** Closes the crisis sheet. */
    fun dismissCrisis() = state.update { it.copy(crisis = null) }

    /**
     * Records the check-in, then tries to send it. Does nothing unless [CheckInState.canSend].
     * On success the form is cleared for the next session and [CheckInState.delivery] says
     * whether it reached the relay; on a refused check-in [CheckInState.problem] names the field.
     */
    suspend fun send() {
        val before = state.value
        val checkinForm = form ?: return
        if (!before.canSend) return
        state.update { it.copy(sending = true, problem = null, delivery = null) }
        // Sent as typed: the library trims it and drops a blank one.
        val note = before.note.takeIf { it.isNotEmpty() }
            ?.let { Note(it, if (before.noteShared) NoteVisibility.SHARED else NoteVisibility.PRIVATE) }
        val draft = CheckInDraft(
            instrument = checkinForm.instrument,
            sessionDate = SessionDates.today(today),
            answers = before.answers,
            note = note,
            supportRequested = before.supportRequested,
            goalRatings = before.goals.mapNotNull { goal -> goal.selected?.let { GoalRating(goal.id, it) } },
        )
        val recorded = withContext(io) { attempt { client.recordCheckin(draft, locale) } }
        val outcome = recorded.getOrNull() ?: run {
            state.update { it.copy(sending = false, problem = recorded.problem()) }
            return
        }
        val sheet = outcome.safety?.let { CrisisSheet.from(it.resources, it.reason) }
        state.update { s ->
            withProgress(
                s.copy(
                    items = s.items.map { it.copy(selected = null) },
                    goals = s.goals.map { it.copy(selected = null) },
                    note = "",
                    noteShared = false,
                    supportRequested = false,
                    recorded = outcome.checkin,
                    crisis = sheet ?: s.crisis,
                ),
            )
        }
        val delivery = deliver()
        state.update { it.copy(sending = false, delivery = delivery) }
    }

    /** Tries to sync; a failure leaves the check-in safely in the outbox. */
    private suspend fun deliver(): Delivery {
        val relay = http() ?: return Delivery.Saved(null)
        val synced = attempt { client.sync(relay) }
        val report = synced.getOrNull() ?: return Delivery.Saved(synced.problem())
        // While sharing is paused the sync sends nothing and says so.
        return if (report.paused) Delivery.Paused else Delivery.Sent
    }
}

/** Everything the check-in screen draws. */
data class CheckInState(
    /** The questionnaire is still loading. */
    val loading: Boolean = true,
    /** The questionnaire's title. */
    val title: String = "",
    /** The rated items, in order. */
    val items: List<RatingItem> = emptyList(),
    /** The invitation to write a note. */
    val notePrompt: String = "",
    /** The client's active goals, each with an optional "how close am I". */
    val goals: List<GoalRow> = emptyList(),
    /** The points of "how close am I", 0 to the library's top, lowest first. */
    val goalScale: List<UByte> = emptyList(),
    /** The note as typed. */
    val note: String = "",
    /** The note goes to the therapist; private by default. */
    val noteShared: Boolean = false,
    /** Longest note accepted, as the library counts ([noteLength]). */
    val noteMaxChars: Int = 0,
    /** What the library says the form still needs; `null` until it is loaded. */
    val progress: FormProgress? = null,
    /** This check-in tells the therapist the client asked for support. */
    val supportRequested: Boolean = false,
    /** "Rapport is not monitored in real time", in the client's language; always on screen. */
    val notMonitored: String = "",
    /** A send is in progress. */
    val sending: Boolean = false,
    /** What went wrong last, if anything. */
    val problem: Problem? = null,
    /** The check-in recorded by the last send. */
    val recorded: CheckIn? = null,
    /** What became of the last send. */
    val delivery: Delivery? = null,
    /** The crisis sheet, while it is open. */
    val crisis: CrisisSheet? = null,
) {
    /** The answers tapped so far, by item id. */
    val answers: Map<String, UByte> get() = items.mapNotNull { item -> item.selected?.let { item.id to it } }.toMap()

    /** The note's length as the library counts it (Unicode scalar values, trimmed). */
    val noteLength: Int get() = progress?.noteLength?.toInt() ?: 0

    /** The note is over the limit; the send button stays off and the field says why. */
    val noteTooLong: Boolean get() = progress?.noteTooLong ?: false

    /** The library says nothing is missing and the note fits, and nothing is in flight. */
    val canSend: Boolean
        get() = !loading && !sending && items.isNotEmpty() && progress?.ready == true

    /** Required items still unanswered, so the screen (and TalkBack/VoiceOver) can say what is missing. */
    val missing: List<RatingItem> get() = progress?.missing.orEmpty().let { ids -> items.filter { it.id in ids } }
}

/** One rated statement on the screen. */
data class RatingItem(
    /** The item id, the key of the answer. */
    val id: String,
    /** The statement, in the client's language. */
    val prompt: String,
    /** Must be answered before sending. */
    val required: Boolean,
    /** The points of the scale, lowest first. */
    val options: List<RatingOption>,
    /** The chosen point, if any. */
    val selected: UByte?,
)

/** One point of a rating scale. */
data class RatingOption(
    /** The rating sent. */
    val value: UByte,
    /** Its label ("Not at all" ... "Completely"). */
    val label: String,
)

/** What happened to a recorded check-in after it was saved. */
sealed class Delivery {
    /** It reached the relay; the therapist gets it on their next sync. */
    object Sent : Delivery()

    /** Sharing is paused: it stays on this device until sharing resumes. */
    object Paused : Delivery()

    /** Saved on this device; it will be sent on a later sync. [problem] says why not now. */
    data class Saved(val problem: Problem?) : Delivery()
}

/** One active goal on the check-in screen, rated with one tap on [CheckInState.goalScale] (optional). */
data class GoalRow(
    /** The goal's id. */
    val id: String,
    /** The goal in the client's words. */
    val text: String,
    /** "How close am I", 0 (not at all) to the top (there); `null` when not rated. */
    val selected: UByte?,
)
