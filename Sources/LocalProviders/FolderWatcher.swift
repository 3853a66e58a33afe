import Foundation
import Logging
import RAGCore

/// Turns JSONL files added, changed or removed under the knowledge folder into S3-style object events.
///
/// What it has already reported is kept in a state file, so a restart reports only what changed while it
/// was down. A change is remembered only after `publish` succeeds, so a failed publish is retried.
public struct FolderWatcher: Sendable {
    public struct FileState: Codable, Sendable, Hashable {
        var size: Int
        var modified: Double
    }

    public let store: FolderObjectStore
    public let bucket: String
    public let stateFile: URL
    public let interval: Duration
    let logger: Logger

    public init(store: FolderObjectStore, bucket: String, stateFile: String, interval: Duration, logger: Logger) {
        self.store = store
        self.bucket = bucket
        self.stateFile = URL(fileURLWithPath: stateFile)
        self.interval = interval
        self.logger = logger
    }

    /// Scans until cancelled, publishing each change.
    public func run(publish: @Sendable (ObjectEvent) async throws -> Void) async throws {
        var known = loadState()
        while !Task.isCancelled {
            known = await scanOnce(known: known, publish: publish)
            try? await Task.sleep(for: interval)
        }
    }

    /// One scan: publishes the differences between the folder and `known`, returns the new state.
    public func scanOnce(known: [String: FileState], publish: @Sendable (ObjectEvent) async throws -> Void) async -> [String: FileState] {
        var state = known
        let current = currentFiles()
        var sequencer = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        for (key, file) in current.sorted(by: { $0.key < $1.key }) where known[key] != file {
            sequencer += 1
            let event = ObjectEvent(kind: .created, bucket: bucket, key: key, eventName: "ObjectCreated:Put", size: file.size, sequencer: String(format: "%016llX", sequencer))
            do {
                try await publish(event)
                state[key] = file
                saveState(state)
            } catch {
                logger.warning("could not publish knowledge change; will retry", metadata: ["ragline.object_key": "\(key)", "error": "\(error)"])
            }
        }
        for key in known.keys.sorted() where current[key] == nil {
            sequencer += 1
            let event = ObjectEvent(kind: .removed, bucket: bucket, key: key, eventName: "ObjectRemoved:Delete", sequencer: String(format: "%016llX", sequencer))
            do {
                try await publish(event)
                state[key] = nil
                saveState(state)
            } catch {
                logger.warning("could not publish knowledge removal; will retry", metadata: ["ragline.object_key": "\(key)", "error": "\(error)"])
            }
        }
        return state
    }

    func currentFiles() -> [String: FileState] {
        var files: [String: FileState] = [:]
        guard let enumerator = FileManager.default.enumerator(at: store.root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]) else { return files }
        for case let url as URL in enumerator where url.pathExtension.lowercased() == "jsonl" {
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]),
                  values.isRegularFile == true, let key = store.key(for: url) else { continue }
            files[key] = FileState(size: values.fileSize ?? 0, modified: values.contentModificationDate?.timeIntervalSince1970 ?? 0)
        }
        return files
    }

    public func loadState() -> [String: FileState] {
        guard let data = try? Data(contentsOf: stateFile) else { return [:] }
        return (try? JSONDecoder().decode([String: FileState].self, from: data)) ?? [:]
    }

    func saveState(_ state: [String: FileState]) {
        do {
            try JSONEncoder().encode(state).write(to: stateFile, options: .atomic)
        } catch {
            logger.warning("could not save the knowledge folder state", metadata: ["error": "\(error)"])
        }
    }
}
