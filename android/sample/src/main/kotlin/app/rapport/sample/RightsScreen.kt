package app.rapport.sample

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.pluralStringResource
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.rapport.core.screens.ConsentUpdateModel
import app.rapport.core.screens.JoinScreenModel
import app.rapport.core.screens.RightsAction
import app.rapport.core.screens.RightsScreenModel
import app.rapport.core.screens.RightsState
import kotlinx.coroutines.launch
import uniffi.rapport_ffi.CrisisCountry
import uniffi.rapport_ffi.HeldCheckIns
import uniffi.rapport_ffi.Membership

/**
 * "Your data": export, pause, resume, leave, erase, each one button and one
 * confirmation saying what it does and does not do; and the crisis country.
 * [onUnpaired] runs once leaving or erasing has ended the pairing.
 */
@Composable
fun RightsScreen(model: RightsScreenModel, onUnpaired: () -> Unit) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    val context = LocalContext.current
    LaunchedEffect(model) { model.load() }
    LaunchedEffect(state.done, state.membership) {
        val ended = state.done == RightsAction.LEAVE || state.done == RightsAction.ERASE
        if (ended && state.membership == Membership.NotJoined) onUnpaired()
    }
    // Export: the client picks where the file goes (Storage Access Framework); nothing is written elsewhere.
    val saveExport = rememberLauncherForActivityResult(ActivityResultContracts.CreateDocument("application/json")) { uri ->
        val file = model.state.value.export
        if (uri != null && file != null) {
            context.contentResolver.openOutputStream(uri)?.use { it.write(file.text.toByteArray(Charsets.UTF_8)) }
        }
        model.exportHandled()
    }
    LaunchedEffect(state.export) { state.export?.let { saveExport.launch(it.fileName) } }

    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.rights_title), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        Text(pluralCount(R.plurals.rights_on_phone, state.checkinsOnPhone))
        MembershipText(state)
        RightsButton(R.string.rights_export, R.string.rights_export_description, state.canDo(RightsAction.EXPORT)) {
            scope.launch { model.ask(RightsAction.EXPORT) }
        }
        if (state.paused) {
            RightsButton(R.string.rights_resume, R.string.rights_resume_description, state.canDo(RightsAction.RESUME)) {
                scope.launch { model.ask(RightsAction.RESUME) }
            }
        } else {
            RightsButton(R.string.rights_pause, R.string.rights_pause_description, state.canDo(RightsAction.PAUSE)) {
                scope.launch { model.ask(RightsAction.PAUSE) }
            }
        }
        RightsButton(R.string.rights_leave, R.string.rights_leave_description, state.canDo(RightsAction.LEAVE)) {
            scope.launch { model.ask(RightsAction.LEAVE) }
        }
        RightsButton(R.string.rights_erase, R.string.rights_erase_description, state.canDo(RightsAction.ERASE), destructive = true) {
            scope.launch { model.ask(RightsAction.ERASE) }
        }
        if (state.membership == Membership.Erasing) {
            Text(stringResource(R.string.rights_erasing))
            OutlinedButton(
                onClick = { scope.launch { model.finishErase() } },
                enabled = !state.working,
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp),
            ) { Text(stringResource(R.string.rights_erase_retry)) }
        }
        DoneText(state.done)
        state.problem?.let { ProblemText(it) }
        Text(stringResource(R.string.crisis_country_title), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
        Text(stringResource(R.string.crisis_country_explained))
        CrisisCountryPicker(state.countries, state.crisisCountry) { code -> scope.launch { model.chooseCrisisCountry(code) } }
    }
    state.confirming?.let { action ->
        RightsConfirmation(
            action = action,
            state = state,
            onConfirm = { sendHeld -> scope.launch { model.confirm(sendHeld) } },
            onCancel = model::cancel,
        )
    }
}

@Composable
private fun MembershipText(state: RightsState) {
    val text = when (val membership = state.membership) {
        is Membership.Active -> stringResource(if (membership.paused) R.string.rights_status_paused else R.string.rights_status_sharing)
        Membership.Erasing -> stringResource(R.string.rights_status_erasing)
        is Membership.Revoked -> stringResource(R.string.pairing_ended)
        Membership.NotJoined -> stringResource(R.string.rights_status_not_joined)
        null -> return
    }
    Text(text, style = MaterialTheme.typography.bodyMedium)
}

@Composable
private fun RightsButton(label: Int, description: Int, enabled: Boolean, destructive: Boolean = false, onClick: () -> Unit) {
    val spoken = stringResource(description)
    Button(
        onClick = onClick,
        enabled = enabled,
        colors = if (destructive) ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.error) else ButtonDefaults.buttonColors(),
        modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = spoken },
    ) { Text(stringResource(label)) }
}

@Composable
private fun DoneText(done: RightsAction?) {
    val text = when (done) {
        RightsAction.EXPORT -> R.string.rights_done_export
        RightsAction.PAUSE -> R.string.rights_done_pause
        RightsAction.RESUME -> R.string.rights_done_resume
        RightsAction.LEAVE -> R.string.rights_done_leave
        RightsAction.ERASE -> R.string.rights_done_erase
        null -> return
    }
    Text(stringResource(text), color = MaterialTheme.colorScheme.primary)
}

/** One confirmation per action, stating the consent text's facts; resuming asks about what was held back. */
@Composable
private fun RightsConfirmation(action: RightsAction, state: RightsState, onConfirm: (Boolean) -> Unit, onCancel: () -> Unit) {
    val held = state.held
    if (action == RightsAction.RESUME && held != null && held.count > 0u) {
        AlertDialog(
            onDismissRequest = onCancel,
            title = { Text(stringResource(R.string.resume_question_title)) },
            text = { Text(heldText(held) + "\n\n" + stringResource(R.string.resume_question_body)) },
            confirmButton = { TextButton(onClick = { onConfirm(true) }, enabled = !state.working) { Text(stringResource(R.string.resume_send_held)) } },
            dismissButton = { TextButton(onClick = { onConfirm(false) }, enabled = !state.working) { Text(stringResource(R.string.resume_keep_held)) } },
        )
        return
    }
    val (title, body, confirm) = when (action) {
        RightsAction.EXPORT -> Triple(R.string.confirm_export_title, stringResource(R.string.confirm_export_body), R.string.confirm_export)
        RightsAction.PAUSE -> Triple(R.string.confirm_pause_title, stringResource(R.string.confirm_pause_body), R.string.confirm_pause)
        RightsAction.RESUME -> Triple(R.string.confirm_resume_title, stringResource(R.string.confirm_resume_body), R.string.confirm_resume)
        RightsAction.LEAVE -> Triple(R.string.confirm_leave_title, stringResource(R.string.confirm_leave_body), R.string.confirm_leave)
        RightsAction.ERASE -> Triple(R.string.confirm_erase_title, eraseText(state), R.string.confirm_erase)
    }
    AlertDialog(
        onDismissRequest = onCancel,
        title = { Text(stringResource(title)) },
        text = { Text(body) },
        confirmButton = { TextButton(onClick = { onConfirm(false) }, enabled = !state.working) { Text(stringResource(confirm)) } },
        dismissButton = { TextButton(onClick = onCancel) { Text(stringResource(R.string.cancel)) } },
    )
}

/** What an erase will and will not reach, now. */
@Composable
private fun eraseText(state: RightsState): String {
    val reach = state.eraseReach
    val lines = listOf(
        pluralCount(R.plurals.erase_reaches_phone, reach.checkinsOnPhone),
        stringResource(if (reach.reachesTherapist) R.string.erase_reaches_therapist else R.string.erase_reaches_no_therapist),
        stringResource(R.string.erase_does_not_reach_copies),
        stringResource(R.string.erase_cannot_undo),
    )
    return lines.joinToString("\n\n")
}

/** "3 check-ins, from 2 March to 9 March", in the person's locale. */
@Composable
fun heldText(held: HeldCheckIns): String {
    val first = held.firstSession?.let(::sessionDay).orEmpty()
    val last = held.lastSession?.let(::sessionDay).orEmpty()
    val count = held.count.toInt()
    return if (first == last) pluralStringResource(R.plurals.held_on_day, count, count, first)
    else pluralStringResource(R.plurals.held_between, count, count, first, last)
}

@Composable
private fun pluralCount(id: Int, count: Int): String = pluralStringResource(id, count, count)

/** The country whose crisis lines the client sees: one tap opens the list. */
@Composable
fun CrisisCountryPicker(countries: List<CrisisCountry>, selected: String?, onChoose: (String) -> Unit) {
    var open by remember { mutableStateOf(false) }
    val shown = countries.firstOrNull { it.code == selected }?.name ?: selected ?: stringResource(R.string.crisis_country_none)
    val spoken = stringResource(R.string.crisis_country_description, shown)
    Box {
        OutlinedButton(
            onClick = { open = true },
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = spoken },
        ) { Text(shown) }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            for (country in countries) {
                DropdownMenuItem(
                    text = { Text(country.name) },
                    onClick = {
                        open = false
                        onChoose(country.code)
                    },
                )
            }
        }
    }
}

/**
 * The join screen's two choices: the crisis country (pre-selected from the region)
 * and, when check-ins were made while not paired, whether to share them (kept on
 * this phone unless the client picks sharing).
 */
@Composable
fun JoinChoices(model: JoinScreenModel) {
    val state by model.state.asComposeState()
    Text(stringResource(R.string.crisis_country_title), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
    Text(stringResource(R.string.crisis_country_explained))
    CrisisCountryPicker(state.countries, state.crisisCountry, model::chooseCrisisCountry)
    val held = state.held ?: return
    Text(stringResource(R.string.held_title), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
    Text(heldText(held))
    Column(Modifier.selectableGroup()) {
        ChoiceRow(stringResource(R.string.held_keep), selected = !state.shareHeld) { model.shareHeld(false) }
        ChoiceRow(stringResource(R.string.held_share), selected = state.shareHeld) { model.shareHeld(true) }
    }
}

@Composable
private fun ChoiceRow(label: String, selected: Boolean, onSelect: () -> Unit) {
    Row(
        verticalAlignment = Alignment.CenterVertically,
        modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).selectable(selected = selected, role = Role.RadioButton, onClick = onSelect),
    ) {
        RadioButton(selected = selected, onClick = null)
        Text(label, modifier = Modifier.padding(start = 8.dp))
    }
}

/** Shown instead of the check-in when the consent text changed since the client accepted it: asked once, nothing lost. */
@Composable
fun ConsentUpdateScreen(model: ConsentUpdateModel) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.consent_update_title), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        Text(stringResource(R.string.consent_update_intro))
        Text(state.consentText)
        LabelledSwitch(
            label = stringResource(R.string.consent_agree),
            description = stringResource(R.string.consent_agree_description),
            checked = state.agreed,
            onChange = model::agree,
        )
        state.problem?.let { ProblemText(it) }
        Button(
            onClick = { scope.launch { model.accept() } },
            enabled = state.canAccept,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp),
        ) { Text(stringResource(R.string.consent_update_accept)) }
    }
}
