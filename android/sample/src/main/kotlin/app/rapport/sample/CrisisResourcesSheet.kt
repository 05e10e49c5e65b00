package app.rapport.sample

import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Email
import androidx.compose.material.icons.filled.Phone
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.ModalBottomSheet
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.rememberModalBottomSheetState
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.paneTitle
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import app.rapport.core.screens.CrisisContact
import app.rapport.core.screens.CrisisSheet
import uniffi.rapport_ffi.SafetyReason

/**
 * Where to find help now: the emergency numbers and the crisis lines for the
 * person's region, each a large button that starts the call or the text. All of
 * it comes from the library's bundled data, so it opens offline, instantly.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun CrisisResourcesSheet(sheet: CrisisSheet, onDismiss: () -> Unit) {
    val context = LocalContext.current
    var cannotDial by remember { mutableStateOf<String?>(null) }
    val title = stringResource(R.string.crisis_title)
    ModalBottomSheet(
        onDismissRequest = onDismiss,
        sheetState = rememberModalBottomSheetState(skipPartiallyExpanded = true),
        modifier = Modifier.semantics { paneTitle = title },
    ) {
        Column(
            Modifier.fillMaxWidth().verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            val heading = stringResource(if (sheet.reason is SafetyReason.LowHope) R.string.crisis_heading_low_hope else R.string.crisis_heading)
            Text(heading, style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
            Text(sheet.notMonitored)
            Text(stringResource(R.string.crisis_emergency), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
            for (number in sheet.emergencyNumbers) {
                val description = stringResource(R.string.call_emergency_description, number.shown)
                Button(
                    onClick = { cannotDial = openContact(context, number.uri, number.shown) },
                    colors = ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.error),
                    modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).semantics { contentDescription = description },
                ) {
                    Icon(Icons.Default.Phone, contentDescription = null)
                    Text(stringResource(R.string.call_number, number.shown), fontWeight = FontWeight.Bold, modifier = Modifier.padding(start = 8.dp))
                }
            }
            if (sheet.emergencyNumbers.isEmpty()) Text(stringResource(R.string.call_local_emergency, sheet.emergencyNumber))
            if (sheet.isFallback) {
                Text(stringResource(R.string.crisis_fallback), style = MaterialTheme.typography.bodyMedium)
            } else {
                Text(stringResource(R.string.crisis_lines), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
                for (line in sheet.lines) CrisisLineButton(line) { uri -> cannotDial = openContact(context, uri, line.contact) }
            }
            cannotDial?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            Text(
                stringResource(R.string.crisis_data_version, sheet.dataVersion.toInt(), sheet.region ?: "—"),
                style = MaterialTheme.typography.labelSmall,
            )
            val closeDescription = stringResource(R.string.close_crisis_description)
            OutlinedButton(
                onClick = onDismiss,
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = closeDescription },
            ) { Text(stringResource(R.string.close)) }
        }
    }
}

/** One crisis line: a large call or text button, its hours, and when it was checked. */
@Composable
private fun CrisisLineButton(line: CrisisContact, onOpen: (String) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        val description = stringResource(
            if (line.isText) R.string.text_line_description else R.string.call_line_description,
            line.name,
            line.contact,
        )
        Button(
            onClick = { onOpen(line.uri) },
            modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).semantics { contentDescription = description },
        ) {
            Icon(if (line.isText) Icons.Default.Email else Icons.Default.Phone, contentDescription = null)
            Text(line.contact, fontWeight = FontWeight.Bold, modifier = Modifier.padding(start = 8.dp))
        }
        Text(line.name)
        Text(
            if (line.alwaysOpen) stringResource(R.string.open_always) else line.hours,
            style = MaterialTheme.typography.bodySmall,
        )
        Text(stringResource(R.string.checked_on, line.verifiedOn), style = MaterialTheme.typography.labelSmall)
    }
}

/**
 * Starts the call or the text. `sms:` links become an SENDTO intent with the
 * `sms_body` extra, which every Android messaging app reads (not all read
 * `?body=`). Returns a sentence when this device cannot place calls or texts
 * (a tablet), so the sheet can say to dial the number from a phone.
 */
private fun openContact(context: Context, uri: String, shown: String): String? {
    val parsed = Uri.parse(uri)
    val intent = if (parsed.scheme == "sms") {
        val number = parsed.encodedSchemeSpecificPart.substringBefore('?')
        Intent(Intent.ACTION_SENDTO, Uri.parse("smsto:$number")).apply {
            parsed.getQueryParameterOrNull("body")?.let { putExtra("sms_body", it) }
        }
    } else {
        // DIAL, not CALL: the number is filled in and the person presses call, so
        // the app needs no phone permission and nothing is dialled by mistake.
        Intent(Intent.ACTION_DIAL, parsed)
    }
    return try {
        context.startActivity(intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
        null
    } catch (e: ActivityNotFoundException) {
        context.getString(R.string.cannot_dial, shown)
    }
}

/** `?body=` of an opaque `sms:` URI (Uri.getQueryParameter works only on hierarchical ones). */
private fun Uri.getQueryParameterOrNull(name: String): String? =
    encodedSchemeSpecificPart.substringAfter('?', "").split('&')
        .firstOrNull { it.startsWith("$name=") }
        ?.substringAfter('=')
        ?.let { Uri.decode(it) }
