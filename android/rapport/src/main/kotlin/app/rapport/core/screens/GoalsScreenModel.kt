package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.attempt
import app.rapport.core.problem
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.Goal
import uniffi.rapport_ffi.goalLimits

/**
 * The client's goals: the active ones (at most three) to reword, share or keep
 * private, and archive, and a field to set a new one, shared or private, alone or
 * together in a session. The rules (how many, how long) are the library's: a goal
 * it refuses comes back as a [Problem] with the library's own words (for a fourth
 * goal, "archive one first"), and nothing changes.
 */
class GoalsScreenModel(
    private val client: ClientApp,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(GoalsState())

    /** Reloads the goals from the device. */
    suspend fun load() {
        val loaded = withContext(io) { attempt { client.goals() } }
        val goals = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem()) }
            return
        }
        val limits = goalLimits()
        state.update {
            it.copy(
                loading = false,
                active = goals.filter { g -> g.archivedAt == null },
                archived = goals.filter { g -> g.archivedAt != null },
                maxActive = limits.maxActive.toInt(),
                maxChars = limits.maxChars.toInt(),
            )
        }
    }

    /** The new goal's words, as typed. */
    fun editDraft(text: String) = state.update { it.copy(draft = text, problem = null) }

    /** Whether the new goal goes to the therapist. */
    fun setDraftShared(shared: Boolean) = state.update { it.copy(draftShared = shared) }

    /** Whether the new goal was set together in a session. */
    fun setDraftInSession(inSession: Boolean) = state.update { it.copy(draftInSession = inSession) }

    /** Sets the drafted goal; on success the draft is cleared. */
    suspend fun add() {
        val s = state.value
        if (change { client.addGoal(s.draft, s.draftShared, s.draftInSession) }) {
            state.update { it.copy(draft = "", draftShared = true, draftInSession = false) }
        }
    }

    /** Rewords goal [id]; the earlier wording is kept by the library. True when it was saved. */
    suspend fun reword(id: String, text: String) = change { client.editGoal(id, text) }

    /** Shares goal [id] with the therapist, or keeps it on this device from now on. */
    suspend fun setShared(id: String, shared: Boolean) = change { client.setGoalShared(id, shared) }

    /** Archives goal [id]: it stays, read-only, and frees its place. */
    suspend fun archive(id: String) = change { client.archiveGoal(id) }

    /** Runs one change; on a refusal shows it and changes nothing, else reloads. True when it was made. */
    private suspend fun change(call: () -> Goal): Boolean {
        val changed = withContext(io) { attempt(call) }
        val problem = changed.problem()
        if (problem != null) {
            state.update { it.copy(problem = problem) }
            return false
        }
        state.update { it.copy(problem = null) }
        load()
        return true
    }
}

/** Everything the goals screen draws. */
data class GoalsState(
    /** The first load is in progress. */
    val loading: Boolean = true,
    /** The goals the client works on now, in the order they were set. */
    val active: List<Goal> = emptyList(),
    /** Archived goals, most recently archived first. */
    val archived: List<Goal> = emptyList(),
    /** The new goal's words, as typed. */
    val draft: String = "",
    /** The new goal goes to the therapist. */
    val draftShared: Boolean = true,
    /** The new goal was set together in a session. */
    val draftInSession: Boolean = false,
    /** The most goals active at once (the library's), for the screen's words. */
    val maxActive: Int = 0,
    /** The longest goal accepted (the library's), for the field's hint. */
    val maxChars: Int = 0,
    /** What the library refused, in its own words. */
    val problem: Problem? = null,
)
