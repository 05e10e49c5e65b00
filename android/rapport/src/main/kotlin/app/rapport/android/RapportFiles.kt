package app.rapport.android

import android.content.Context
import java.io.File
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.TherapistApp

/**
 * Where an app keeps its Rapport database, and opening it with the keystore.
 *
 * The database sits in [Context.getNoBackupFilesDir], next to
 * [KeystoreSecretStore]'s files: Auto Backup must not copy it, because its key
 * stays in this phone's keystore and a restored copy could never be opened.
 */
object RapportFiles {
    /** The client's database file. */
    fun clientDatabase(context: Context): File = File(folder(context), "client.db")

    /** The therapist's database file. */
    fun therapistDatabase(context: Context): File = File(folder(context), "therapist.db")

    /** Opens (creating on first use) the client's database, its key in the keystore. */
    fun openClient(context: Context): ClientApp =
        ClientApp.openWithSecretStore(clientDatabase(context).path, KeystoreSecretStore(context))

    /** Opens (creating on first use) the therapist's database, its key in the keystore. */
    fun openTherapist(context: Context): TherapistApp =
        TherapistApp.openWithSecretStore(therapistDatabase(context).path, KeystoreSecretStore(context))

    private fun folder(context: Context): File =
        File(context.noBackupFilesDir, "rapport").apply { mkdirs() }
}
