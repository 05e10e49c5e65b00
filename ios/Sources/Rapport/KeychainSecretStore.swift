import Foundation
import Security

/// The library's `SecretStore` over the iOS Keychain: the database's data key
/// lives there, never in a file next to the database.
///
/// Items are generic passwords under one service, readable
/// `AfterFirstUnlockThisDeviceOnly`:
/// - after first unlock, because syncing (receiving "seen" receipts, sending a
///   check-in recorded offline) may run in the background while the phone is
///   locked in a pocket; `WhenUnlocked` would make those syncs fail;
/// - this device only, so the key is in no backup and no iCloud Keychain: a
///   copied database without its key stays unreadable. Therapists move to a new
///   device with a recovery kit instead.
///
/// Every Keychain failure becomes `RapportError.KeyUnavailable`, which the
/// library reports as "could not unlock the data key" and the app answers by
/// offering the recovery kit or asking to unlock the device.
public final class KeychainSecretStore: SecretStore {
    /// Separates Rapport's items from any other the app keeps.
    public let service: String

    /// - Parameter service: the Keychain service the items are filed under.
    public init(service: String = "app.rapport.secrets") {
        self.service = service
    }

    public func get(name: String) throws -> Data? {
        var query = baseQuery(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data else {
                throw KeychainFailure.unexpectedItem.rapportError
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw KeychainFailure(status: status).rapportError
        }
    }

    public func put(name: String, secret: Data) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: secret,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let updated = SecItemUpdate(baseQuery(name) as CFDictionary, attributes as CFDictionary)
        switch updated {
        case errSecSuccess:
            return
        case errSecItemNotFound:
            var item = baseQuery(name)
            item.merge(attributes) { _, new in new }
            let added = SecItemAdd(item as CFDictionary, nil)
            guard added == errSecSuccess else {
                throw KeychainFailure(status: added).rapportError
            }
        default:
            throw KeychainFailure(status: updated).rapportError
        }
    }

    public func delete(name: String) throws {
        let status = SecItemDelete(baseQuery(name) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeychainFailure(status: status).rapportError
        }
    }

    private func baseQuery(_ name: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: name,
        ]
    }
}

/// Why the Keychain refused, before it crosses into the library as
/// `RapportError.KeyUnavailable` with a sentence a person can act on.
enum KeychainFailure: Error, Equatable {
    /// The device is locked and has not been unlocked since it started.
    case locked
    /// The user cancelled a prompt, or authentication failed.
    case authenticationFailed
    /// The app is missing its Keychain entitlement (a build problem).
    case missingEntitlement
    /// The Keychain answered with something other than data.
    case unexpectedItem
    /// Anything else, with its status.
    case other(OSStatus)

    init(status: OSStatus) {
        switch status {
        case errSecInteractionNotAllowed: self = .locked
        case errSecAuthFailed, errSecUserCanceled: self = .authenticationFailed
        case errSecMissingEntitlement: self = .missingEntitlement
        default: self = .other(status)
        }
    }

    /// The library's error for this failure; the reason never includes a secret.
    var rapportError: RapportError {
        switch self {
        case .locked:
            return .KeyUnavailable(reason: "The device is locked: unlock it once, then try again.")
        case .authenticationFailed:
            return .KeyUnavailable(reason: "The Keychain did not allow access: try again and confirm when asked.")
        case .missingEntitlement:
            return .KeyUnavailable(reason: "This build of the app cannot use the Keychain (missing entitlement): reinstall it.")
        case .unexpectedItem:
            return .KeyUnavailable(reason: "The Keychain returned something that is not a key: restore from your recovery kit.")
        case .other(let status):
            let text = SecCopyErrorMessageString(status, nil) as String? ?? "unknown error"
            return .KeyUnavailable(reason: "The Keychain refused (\(status): \(text)). Restart the device and try again.")
        }
    }
}
