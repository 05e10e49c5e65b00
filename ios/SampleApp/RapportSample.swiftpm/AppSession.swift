import Foundation
import Rapport

/// Which side of the therapy this installation is, and the open database.
///
/// A real app is one or the other; the sample lets the person choose once, so
/// both flows can be tried on two simulators. The database lives in
/// Application Support, excluded from backups (its key is in the Keychain with
/// `ThisDeviceOnly`, so a backed-up copy could never be opened anyway) and
/// protected until first unlock, like the key, so background syncs work.
@MainActor
final class AppSession: ObservableObject {
    enum Role: String {
        case client, therapist
    }

    @Published private(set) var role: Role?
    @Published private(set) var client: ClientApp?
    @Published private(set) var therapist: TherapistApp?
    @Published private(set) var problem: Problem?

    /// The device's locale as the library reads it (`en_GB`, `de_AT`, ...): it
    /// picks the questionnaire's language and, by its region, the crisis lines.
    let locale = Locale.current.identifier

    private let keychain = KeychainSecretStore()
    private let httpClient = URLSessionHttpClient()
    private static let roleKey = "app.rapport.sample.role"

    init() {
        if let saved = UserDefaults.standard.string(forKey: Self.roleKey).flatMap(Role.init(rawValue:)) {
            open(saved)
        }
    }

    /// Opens (creating on first use) the database for `role`.
    func open(_ role: Role) {
        do {
            let path = try Self.databasePath(role)
            switch role {
            case .client: client = try ClientApp.openWithSecretStore(path: path, secretStore: keychain)
            case .therapist: therapist = try TherapistApp.openWithSecretStore(path: path, secretStore: keychain)
            }
            self.role = role
            problem = nil
            UserDefaults.standard.set(role.rawValue, forKey: Self.roleKey)
        } catch {
            problem = Problem(error)
        }
    }

    /// The app's HTTP client once this device has joined or is set up (the
    /// library knows the relay's address from the account), `nil` before: then
    /// check-ins wait on the device. One session, so URLSession keeps its
    /// connections warm between syncs.
    func http() -> HttpClient? {
        let account: Account?
        switch role {
        case .client: account = try? client?.account()
        case .therapist: account = try? therapist?.account()
        case nil: account = nil
        }
        return account == nil ? nil : httpClient
    }

    private static func databasePath(_ role: Role) throws -> String {
        let manager = FileManager.default
        var folder = try manager.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                     appropriateFor: nil, create: true)
            .appendingPathComponent("Rapport", isDirectory: true)
        try manager.createDirectory(at: folder, withIntermediateDirectories: true,
                                    attributes: [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication])
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try folder.setResourceValues(values)
        return folder.appendingPathComponent("\(role.rawValue).db").path
    }
}
