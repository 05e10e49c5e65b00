package app.rapport.sample

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.List
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.Star
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import app.rapport.core.screens.CheckInScreenModel
import app.rapport.core.screens.ConsentUpdateModel
import app.rapport.core.screens.Delivery
import app.rapport.core.screens.GoalRow
import app.rapport.core.screens.GoalsScreenModel
import app.rapport.core.screens.HistoryScreenModel
import app.rapport.core.screens.JoinScreenModel
import app.rapport.core.screens.RatingItem
import app.rapport.core.screens.RatingOption
import app.rapport.core.screens.RightsScreenModel
import kotlinx.coroutines.launch
import uniffi.rapport_ffi.ClientApp

/** The client's side: join a therapist once, then check in, read history and keep goals. */
@Composable
fun ClientHome(client: ClientApp, session: SampleSession) {
    var joined by remember { mutableStateOf(runCatching { client.account() != null }.getOrDefault(false)) }
    if (!joined) {
        val model = remember(client) { JoinScreenModel(client, session.locale) }
        JoinScreen(model) { joined = true }
        return
    }
    // A consent text changed since the client accepted it: asked once, before anything else.
    val consentUpdate = remember(client) { ConsentUpdateModel(client, session.locale) }
    val consent by consentUpdate.state.asComposeState()
    LaunchedEffect(consentUpdate) { consentUpdate.load() }
    if (consent.mustAccept) {
        ConsentUpdateScreen(consentUpdate)
        return
    }
    var tab by rememberSaveable { mutableIntStateOf(0) }
    val checkIn = remember(client) { CheckInScreenModel(client, session.locale, session::http) }
    val history = remember(client) { HistoryScreenModel(client, session.locale, session::http) }
    val goals = remember(client) { GoalsScreenModel(client) }
    val rights = remember(client) { RightsScreenModel(client, session.locale, session::http) }
    Scaffold(
        bottomBar = {
            NavigationBar {
                NavigationBarItem(
                    selected = tab == 0,
                    onClick = { tab = 0 },
                    icon = { Icon(Icons.Default.Edit, contentDescription = null) },
                    label = { Text(stringResource(R.string.tab_check_in)) },
                )
                NavigationBarItem(
                    selected = tab == 1,
                    onClick = { tab = 1 },
                    icon = { Icon(Icons.Default.List, contentDescription = null) },
                    label = { Text(stringResource(R.string.tab_history)) },
                )
                NavigationBarItem(
                    selected = tab == 2,
                    onClick = { tab = 2 },
                    icon = { Icon(Icons.Default.Star, contentDescription = null) },
                    label = { Text(stringResource(R.string.tab_goals)) },
                )
                val yourData = stringResource(R.string.your_data_description)
                NavigationBarItem(
                    selected = tab == 3,
                    onClick = { tab = 3 },
                    icon = { Icon(Icons.Default.Lock, contentDescription = null) },
                    label = { Text(stringResource(R.string.tab_your_data)) },
                    modifier = Modifier.semantics { contentDescription = yourData },
                )
            }
        },
    ) { padding ->
        Column(Modifier.padding(padding)) {
            when (tab) {
                0 -> CheckInScreen(checkIn)
                1 -> HistoryScreen(history)
                2 -> GoalsScreen(goals)
                else -> RightsScreen(rights) { joined = false }
            }
        }
    }
}

/** Paste the therapist's invite, read the consent, agree, join. */
@Composable
fun JoinScreen(model: JoinScreenModel, onJoined: () -> Unit) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    LaunchedEffect(model) { model.load() }
    LaunchedEffect(state.joined) { if (state.joined) onJoined() }
    val joinHint = stringResource(if (state.canJoin) R.string.join_hint else R.string.join_hint_disabled)
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.join_title), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        val inviteDescription = stringResource(R.string.invite_field_description)
        OutlinedTextField(
            value = state.invite,
            onValueChange = model::editInvite,
            label = { Text(stringResource(R.string.invite_field)) },
            keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.None, autoCorrectEnabled = false),
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = inviteDescription },
        )
        if (state.relayUrl != null) Text(stringResource(R.string.invite_valid), color = MaterialTheme.colorScheme.primary)
        JoinChoices(model)
        Text(stringResource(R.string.consent_title), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
        Text(state.consentText)
        LabelledSwitch(
            label = stringResource(R.string.consent_agree),
            description = stringResource(R.string.consent_agree_description),
            checked = state.consentAccepted,
            onChange = model::acceptConsent,
        )
        state.problem?.let { ProblemText(it) }
        Button(
            onClick = { scope.launch { model.join() } },
            enabled = state.canJoin,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = joinHint },
        ) { Text(stringResource(if (state.joining) R.string.joining else R.string.join)) }
    }
}

/**
 * The check-in: one tap on each required statement, an optional tap per goal
 * ("how close am I"), an optional note, send. "I need support now" and the
 * reminder that nobody watches in real time are always on screen.
 */
@Composable
fun CheckInScreen(model: CheckInScreenModel) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    // Goals may have changed on the goals tab since the form was loaded.
    LaunchedEffect(model) { if (state.loading) model.load() else model.reloadGoals() }
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(20.dp),
    ) {
        Text(
            state.title.ifEmpty { stringResource(R.string.tab_check_in) },
            style = MaterialTheme.typography.headlineSmall,
            modifier = Modifier.semantics { heading() },
        )
        if (state.notMonitored.isNotEmpty()) {
            Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer)) {
                Text(state.notMonitored, modifier = Modifier.padding(12.dp), style = MaterialTheme.typography.bodySmall)
            }
        }
        for (item in state.items) RatingRow(item) { value -> model.rate(item.id, value) }
        if (state.goals.isNotEmpty()) {
            Text(stringResource(R.string.goal_ratings_title), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
            Text(stringResource(R.string.goal_ratings_hint, state.goalScale.lastOrNull()?.toInt() ?: 0), style = MaterialTheme.typography.bodySmall)
            for (goal in state.goals) GoalRatingRow(goal, state.goalScale) { value -> model.rateGoal(goal.id, value) }
        }
        val noteDescription = stringResource(R.string.note_description)
        OutlinedTextField(
            value = state.note,
            onValueChange = model::editNote,
            label = { Text(state.notePrompt.ifEmpty { stringResource(R.string.note_label) }) },
            isError = state.noteTooLong,
            supportingText = {
                if (state.noteTooLong) Text(stringResource(R.string.note_too_long, state.noteMaxChars))
            },
            minLines = 3,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = noteDescription },
        )
        LabelledSwitch(
            label = stringResource(R.string.share_note),
            description = stringResource(R.string.share_note_description),
            checked = state.noteShared,
            onChange = model::shareNote,
        )
        LabelledSwitch(
            label = stringResource(R.string.tell_therapist_support),
            description = stringResource(R.string.tell_therapist_support_description),
            checked = state.supportRequested,
            onChange = model::requestSupport,
        )
        state.problem?.let { ProblemText(it) }
        val missing = state.missing.joinToString("; ") { it.prompt }
        val sendDescription = if (state.canSend) stringResource(R.string.send_description)
        else stringResource(R.string.send_missing, missing)
        Button(
            onClick = { scope.launch { model.send() } },
            enabled = state.canSend,
            modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).semantics { contentDescription = sendDescription },
        ) { Text(stringResource(if (state.sending) R.string.sending else R.string.send)) }
        if (!state.loading && missing.isNotEmpty()) {
            Text(stringResource(R.string.send_missing, missing), style = MaterialTheme.typography.bodySmall)
        }
        DeliveryText(state.delivery)
        val supportDescription = stringResource(R.string.need_support_description)
        Button(
            onClick = model::needSupportNow,
            colors = ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.error),
            modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).semantics { contentDescription = supportDescription },
        ) { Text(stringResource(R.string.need_support), fontWeight = FontWeight.Bold) }
    }
    state.crisis?.let { sheet -> CrisisResourcesSheet(sheet, onDismiss = model::dismissCrisis) }
}

/**
 * One statement and its points: a radio group of 48dp-or-larger cells, side by
 * side; from [LARGE_FONT_SCALE] on, one under the other, so each point's words
 * wrap at full width instead of being cut to a fifth of it.
 */
@Composable
private fun RatingRow(item: RatingItem, onTap: (UByte) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        val prompt = if (item.required) item.prompt else stringResource(R.string.optional_item, item.prompt)
        Text(prompt, style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
        if (LocalDensity.current.fontScale >= LARGE_FONT_SCALE) {
            Column(Modifier.fillMaxWidth().selectableGroup(), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                for (option in item.options) RatingCell(item, option, Modifier.fillMaxWidth(), onTap)
            }
        } else {
            Row(Modifier.fillMaxWidth().selectableGroup(), horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                for (option in item.options) RatingCell(item, option, Modifier.weight(1f), onTap)
            }
        }
    }
}

/** The font scale (Android's "font size" setting) from which a statement's points stack. */
private const val LARGE_FONT_SCALE = 1.5f

/** One point of a statement: its number and words, spoken as one radio button. */
@Composable
private fun RatingCell(item: RatingItem, option: RatingOption, modifier: Modifier, onTap: (UByte) -> Unit) {
    val chosen = item.selected == option.value
    val description = stringResource(R.string.rating_description, option.label, option.value.toInt(), item.options.size, item.prompt)
    val selectedText = stringResource(if (chosen) R.string.selected else R.string.not_selected)
    Card(
        colors = CardDefaults.cardColors(
            containerColor = if (chosen) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.surfaceVariant,
        ),
        modifier = modifier
            .heightIn(min = 64.dp)
            .selectable(selected = chosen, role = Role.RadioButton, onClick = { onTap(option.value) })
            .semantics(mergeDescendants = true) {
                contentDescription = description
                stateDescription = selectedText
            },
    ) {
        Column(Modifier.fillMaxWidth().padding(6.dp), horizontalAlignment = Alignment.CenterHorizontally) {
            Text(option.value.toString(), style = MaterialTheme.typography.titleLarge)
            Text(option.label, style = MaterialTheme.typography.labelSmall, textAlign = TextAlign.Center)
        }
    }
}

/**
 * "How close am I" to one goal: the library's points (0 to its top) as a radio
 * group in three rows (0-3, 4-7, 8-10 on the 0-10 scale), so each cell stays
 * well over 48dp wide even on a 320dp phone at a large font scale (two rows of
 * six would leave about 43dp there). A second tap on the chosen point clears
 * it: rating a goal is optional.
 */
/** Rows a goal's points are laid out in: see [GoalRatingRow]. */
private const val GOAL_ROWS = 3

@Composable
private fun GoalRatingRow(goal: GoalRow, scale: List<UByte>, onTap: (UByte) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        Text(goal.text, style = MaterialTheme.typography.bodyLarge)
        val top = scale.lastOrNull()?.toInt() ?: 0
        val perRow = (scale.size + GOAL_ROWS - 1) / GOAL_ROWS
        for (row in scale.chunked(maxOf(perRow, 1))) {
            Row(Modifier.fillMaxWidth().selectableGroup(), horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                for (value in row) {
                    val chosen = goal.selected == value
                    val description = stringResource(R.string.goal_rating_description, value.toInt(), top, goal.text)
                    val selectedText = stringResource(if (chosen) R.string.selected else R.string.not_selected)
                    Card(
                        colors = CardDefaults.cardColors(
                            containerColor = if (chosen) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.surfaceVariant,
                        ),
                        modifier = Modifier
                            .weight(1f)
                            .heightIn(min = 48.dp)
                            .selectable(selected = chosen, role = Role.RadioButton, onClick = { onTap(value) })
                            .semantics(mergeDescendants = true) {
                                contentDescription = description
                                stateDescription = selectedText
                            },
                    ) {
                        Column(Modifier.fillMaxWidth().padding(8.dp), horizontalAlignment = Alignment.CenterHorizontally) {
                            Text(value.toString(), style = MaterialTheme.typography.titleMedium)
                        }
                    }
                }
                // The shorter row keeps the cells the width of the first.
                repeat(perRow - row.size) { Spacer(Modifier.weight(1f)) }
            }
        }
    }
}

/** What became of the last check-in. */
@Composable
private fun DeliveryText(delivery: Delivery?) {
    val text = when (delivery) {
        Delivery.Sent -> stringResource(R.string.delivery_sent)
        Delivery.Paused -> stringResource(R.string.delivery_paused)
        is Delivery.Saved -> stringResource(R.string.delivery_saved) + (delivery.problem?.let { " (${it.reason})" } ?: "")
        null -> return
    }
    Text(text, style = MaterialTheme.typography.bodyMedium)
}
