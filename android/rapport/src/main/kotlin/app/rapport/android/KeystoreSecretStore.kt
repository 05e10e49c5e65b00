package app.rapport.android

import android.content.Context
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.util.AtomicFile
import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import uniffi.rapport_ffi.RapportException
import uniffi.rapport_ffi.SecretStore

/**
 * The library's [SecretStore] on Android: each secret (the database's data key)
 * is sealed with AES-256-GCM under a key that lives in the AndroidKeyStore and
 * never leaves it (in the TEE, or StrongBox where the phone has one), and the
 * sealed bytes are kept in app-private files.
 *
 * Design choices, and why:
 * - The wrapping key needs no user authentication: syncs run in the background
 *   (WorkManager) when nobody is looking at the phone. The database is what an
 *   attacker wants, and without this device's keystore it stays sealed.
 * - Files live in [Context.getNoBackupFilesDir], so Auto Backup never copies them:
 *   a restored copy could not be opened anyway (the keystore key does not travel),
 *   and would only look like a damaged key. Therapists move devices with a
 *   recovery kit instead.
 * - Each file is written with [AtomicFile] (write, fsync, rename) before [put]
 *   returns, because the library creates the database right after storing its key:
 *   a key lost to a crash would make the database unreadable for good.
 * - The secret's name is the GCM associated data, so swapping two files on disk
 *   fails to open instead of handing one database the other's key.
 *
 * Every failure is a [RapportException.KeyUnavailable] with a sentence a person can
 * act on; no secret, and no part of one, is ever in a message or a log.
 */
class KeystoreSecretStore(
    context: Context,
    /** Alias of the wrapping key in the AndroidKeyStore. */
    private val keyAlias: String = "app.rapport.secret-wrapping-key",
) : SecretStore {
    private val directory = File(context.noBackupFilesDir, "rapport-secrets")

    @Synchronized
    override fun get(name: String): ByteArray? = guarded {
        val file = AtomicFile(fileFor(name))
        if (!file.baseFile.exists()) return@guarded null
        val sealed = file.readFully()
        if (sealed.size <= IV_BYTES) throw damaged()
        val key = existingKey() ?: throw RapportException.KeyUnavailable(
            "This device's keystore no longer has Rapport's key (the app's data was partly cleared): restore from your recovery kit.",
        )
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES))
        cipher.updateAAD(name.toByteArray(Charsets.UTF_8))
        cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
    }

    @Synchronized
    override fun put(name: String, secret: ByteArray) = guarded {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // The keystore chooses the IV (randomized encryption is required for its keys).
        cipher.init(Cipher.ENCRYPT_MODE, existingKey() ?: createKey())
        cipher.updateAAD(name.toByteArray(Charsets.UTF_8))
        val sealed = cipher.iv + cipher.doFinal(secret)
        if (!directory.isDirectory && !directory.mkdirs()) throw IOException("cannot create ${directory.name}")
        val file = AtomicFile(fileFor(name))
        val out = file.startWrite()
        try {
            out.write(sealed)
            file.finishWrite(out)
        } catch (e: IOException) {
            file.failWrite(out)
            throw e
        }
    }

    @Synchronized
    override fun delete(name: String) = guarded {
        AtomicFile(fileFor(name)).delete()
    }

    /** One file per secret; the name is hex-encoded so any name is a safe file name. */
    private fun fileFor(name: String): File =
        File(directory, name.toByteArray(Charsets.UTF_8).joinToString("") { "%02x".format(it) })

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    private fun existingKey(): SecretKey? = keyStore().getKey(keyAlias, null) as? SecretKey

    /** A new AES-256-GCM key, in StrongBox when the phone has one, else in the TEE. */
    private fun createKey(): SecretKey {
        fun spec(strongBox: Boolean): KeyGenParameterSpec =
            KeyGenParameterSpec.Builder(keyAlias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .setRandomizedEncryptionRequired(true)
                .apply { if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true) }
                .build()
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            try {
                generator.init(spec(strongBox = true))
                return generator.generateKey()
            } catch (e: StrongBoxUnavailableException) {
                // No StrongBox on this phone: the TEE-backed key below is the norm.
            }
        }
        generator.init(spec(strongBox = false))
        return generator.generateKey()
    }

    /** Runs a keystore operation, turning every platform failure into the library's typed error. */
    private inline fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: RapportException) {
        throw e
    } catch (e: KeyPermanentlyInvalidatedException) {
        throw RapportException.KeyUnavailable(
            "This device's keystore reset Rapport's key (for example after a security change): restore from your recovery kit.",
        )
    } catch (e: AEADBadTagException) {
        throw damaged()
    } catch (e: GeneralSecurityException) {
        throw RapportException.KeyUnavailable(
            "The Android keystore refused (${e.javaClass.simpleName}): restart the phone and try again.",
        )
    } catch (e: IOException) {
        throw RapportException.KeyUnavailable(
            "Rapport could not read or write its key file (${e.javaClass.simpleName}): free some storage and try again.",
        )
    }

    private fun damaged() = RapportException.KeyUnavailable(
        "Rapport's stored key is damaged or belongs to another device: restore from your recovery kit.",
    )

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
    }
}
