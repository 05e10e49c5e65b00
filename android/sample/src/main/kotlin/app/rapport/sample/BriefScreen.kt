package app.rapport.sample

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.rapport.core.screens.BriefCardRow
import app.rapport.core.screens.BriefScreenModel
import kotlinx.coroutines.launch
import uniffi.rapport_ffi.goalLimits

/**
 * "Today": the library's brief, one card per client in its order (by need), each
 * with the check-ins since the last session, the usual range and what lies
 * outside it, the open flags, the goals the client shares and a suggested
 * opening line.
 */
@Composable
fun BriefScreen(model: BriefScreenModel) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    LaunchedEffect(model) { model.load() }
    LazyColumn(
        Modifier.fillMaxSize().padding(horizontal = 16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        item {
            Text(
                stringResource(R.string.brief_title),
                style = MaterialTheme.typography.headlineSmall,
                modifier = Modifier.padding(top = 16.dp).semantics { heading() },
            )
        }
        state.problem?.let { problem -> item { ProblemText(problem) } }
        if (state.cards.isEmpty() && !state.loading) item { Text(stringResource(R.string.brief_empty)) }
        items(state.cards, key = { "card-" + it.label }) { card ->
            BriefCardView(card) { flagId -> scope.launch { model.markDiscussed(flagId) } }
        }
    }
}

@Composable
private fun BriefCardView(card: BriefCardRow, onMarkDiscussed: (String) -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text(card.label, style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
            card.lastSession?.let { Text(stringResource(R.string.brief_last_session, sessionDay(it)), style = MaterialTheme.typography.bodySmall) }
            if (card.checkins.isEmpty()) {
                Text(stringResource(R.string.brief_no_checkins), style = MaterialTheme.typography.bodySmall)
            }
            for (checkIn in card.checkins) {
                Text(
                    sessionDay(checkIn.sessionDate) + ": " +
                        checkIn.ratings.toSortedMap().entries.joinToString(", ") { "${it.key} ${it.value}" } +
                        (checkIn.note?.let { " — \u201c$it\u201d" } ?: ""),
                )
            }
            for (range in card.usual) {
                Text(
                    stringResource(R.string.brief_usual, range.item, range.low.toInt(), range.high.toInt()),
                    style = MaterialTheme.typography.bodySmall,
                )
            }
            for (outside in card.outside) Text(outside.text, color = MaterialTheme.colorScheme.error)
            for (flag in card.flags) FlagCard(flag) { onMarkDiscussed(flag.id) }
            if (card.goals.isNotEmpty()) {
                Text(stringResource(R.string.client_goals), style = MaterialTheme.typography.titleSmall, modifier = Modifier.semantics { heading() })
                val top = goalLimits().ratingMax.toInt()
                for (goal in card.goals) GoalProgressRow(goal, top)
            }
            card.goalLine?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            Text(stringResource(R.string.brief_opening, card.opening), style = MaterialTheme.typography.bodyMedium)
        }
    }
}
