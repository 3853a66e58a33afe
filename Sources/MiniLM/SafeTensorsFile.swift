import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the data. Tensors are read in place, never copied.
///
/// `@unchecked Sendable`: the mapping is read-only (PROT_READ), immutable after `init`, and unmapped only
/// in `deinit`, so concurrent reads are safe.
public final class SafeTensorsFile: @unchecked Sendable {
    public struct Tensor: Sendable {
        public let dtype: String
        public let shape: [Int]
        let offset: Int
        let byteCount: Int
    }

    public let tensors: [String: Tensor]
    private let base: UnsafeRawPointer
    private let length: Int
    private let dataStart: Int

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MiniLMError.invalidModel("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 8 else { throw MiniLMError.invalidModel("\(path) is empty or unreadable") }
        length = Int(info.st_size)
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw MiniLMError.invalidModel("cannot map \(path)")
        }
        base = UnsafeRawPointer(mapped)
        let headerLength = Int(UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)))
        guard headerLength > 0, 8 + headerLength <= length else {
            munmap(mapped, length)
            throw MiniLMError.invalidModel("\(path): bad safetensors header length")
        }
        dataStart = 8 + headerLength
        let header = Data(bytes: base + 8, count: headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            munmap(mapped, length)
            throw MiniLMError.invalidModel("\(path): safetensors header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String, let shape = fields["shape"] as? [Int],
                  let offsets = fields["data_offsets"] as? [Int], offsets.count == 2, offsets[0] <= offsets[1],
                  dataStart + offsets[1] <= length
            else {
                munmap(mapped, length)
                throw MiniLMError.invalidModel("\(path): tensor \(name) has a malformed entry")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, offset: offsets[0], byteCount: offsets[1] - offsets[0])
        }
        self.tensors = tensors
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), length)
    }

    /// A float32 tensor by name, checked against the expected shape.
    public func floats(_ name: String, shape expected: [Int]) throws -> UnsafeBufferPointer<Float> {
        guard let tensor = tensors[name] else { throw MiniLMError.invalidModel("model.safetensors lacks \(name)") }
        guard tensor.dtype == "F32" else { throw MiniLMError.invalidModel("\(name) is \(tensor.dtype); expected F32") }
        guard tensor.shape == expected, tensor.byteCount == expected.reduce(1, *) * 4 else {
            throw MiniLMError.invalidModel("\(name) has shape \(tensor.shape); expected \(expected)")
        }
        let raw = base + dataStart + tensor.offset
        guard Int(bitPattern: raw) % MemoryLayout<Float>.alignment == 0 else {
            throw MiniLMError.invalidModel("\(name) is not 4-byte aligned in the file")
        }
        let pointer = raw.assumingMemoryBound(to: Float.self)
        return UnsafeBufferPointer(start: pointer, count: tensor.byteCount / 4)
    }
}
