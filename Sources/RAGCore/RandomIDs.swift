#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Random ids for every event and question, from the system's CSPRNG read 4 KiB at a time.
///
/// Question ids are bearer handles (anyone holding one may poll its answer), so they must stay
/// unguessable; but `UUID()` opens, reads and closes `/dev/urandom` for each id, and the standard generator
/// makes a `getrandom` call per 8 bytes. At the front door's rates those system calls cost a tenth of the
/// gateway's time (perf), so one read of the kernel's CSPRNG fills a buffer that many ids share.
public enum RandomIDs {
    private struct Buffer: ~Copyable {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var used = 4096

        /// `count` (at most 4096) fresh random bytes into `output`.
        mutating func take(_ count: Int, into output: UnsafeMutableRawBufferPointer) {
            if used + count > bytes.count {
                bytes.withUnsafeMutableBytes { RandomIDs.fillFromSystem($0) }
                used = 0
            }
            bytes.withUnsafeBytes { source in
                output.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[used..<(used + count)]))
            }
            // Each byte is handed out once: wipe it, so a later leak of this buffer reveals no id.
            for index in used..<(used + count) { bytes[index] = 0 }
            used += count
        }
    }

    private static let buffer = Mutex(Buffer())

    /// `/dev/urandom`, opened once for the process (-1 when it cannot be opened).
    private static let urandom: Int32 = {
        #if canImport(Glibc)
        return open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        #else
        return -1
        #endif
    }()

    /// Fills `output` from the system's CSPRNG: `/dev/urandom` (the kernel's CSPRNG, the source `getrandom`
    /// reads, which Swift's Glibc module does not declare), or `arc4random_buf` on Apple platforms.
    static func fillFromSystem(_ output: UnsafeMutableRawBufferPointer) {
        guard let base = output.baseAddress else { return }
        #if canImport(Glibc)
        var filled = 0
        while filled < output.count, urandom >= 0 {
            let result = read(urandom, base + filled, output.count - filled)
            if result > 0 {
                filled += result
            } else if result == 0 || errno != EINTR {
                break
            }
        }
        if filled < output.count {
            // Not reachable on a working system; the standard generator is the fallback.
            var generator = SystemRandomNumberGenerator()
            for index in filled..<output.count { output[index] = generator.next() }
        }
        #else
        arc4random_buf(base, output.count)
        #endif
    }

    /// `count` random bytes (`count` at most 4096).
    public static func fill(_ output: UnsafeMutableRawBufferPointer) {
        precondition(output.count <= 4096, "RandomIDs hands out at most 4096 bytes at a time")
        buffer.withLock { $0.take(output.count, into: output) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A random version-4 UUID in lowercase text, as `UUID().uuidString.lowercased()` writes it.
    public static func uuid() -> String {
        var bytes = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &bytes) { raw in
            fill(raw)
            raw[6] = (raw[6] & 0x0f) | 0x40  // version 4
            raw[8] = (raw[8] & 0x3f) | 0x80  // RFC 4122 variant
        }
        return withUnsafeBytes(of: &bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = hexDigits[Int(raw[index] >> 4)]
                    text[position + 1] = hexDigits[Int(raw[index] & 0x0f)]
                    position += 2
                }
                return position
            }
        }
    }

    /// `bytes` random bytes (at most 32) as lowercase hex, never all zero (W3C Trace Context forbids an
    /// all-zero trace or span id).
    public static func hex(bytes: Int) -> String {
        precondition(bytes > 0 && bytes <= 32, "RandomIDs.hex makes at most 32 bytes")
        var raw = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &raw) { raw in
            let random = UnsafeMutableRawBufferPointer(rebasing: raw[0..<bytes])
            repeat { fill(random) } while random.allSatisfy { $0 == 0 }
            return String(unsafeUninitializedCapacity: bytes * 2) { text in
                for index in 0..<bytes {
                    text[2 * index] = hexDigits[Int(random[index] >> 4)]
                    text[2 * index + 1] = hexDigits[Int(random[index] & 0x0f)]
                }
                return bytes * 2
            }
        }
    }
}
