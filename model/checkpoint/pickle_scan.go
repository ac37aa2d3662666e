package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// scanPickle walks the opcodes of one pickle starting at data[0] without building anything,
// and returns the length of the pickle (through its STOP opcode). It rejects unknown opcodes
// and any length argument larger than the bytes that remain, because gopickle allocates a
// length-prefixed value before reading it: without this check a corrupt 8-byte length asks for
// terabytes and the process dies instead of returning an error.
func scanPickle(data []byte) (int, error) {
	pos := 0
	need := func(n uint64) error {
		if n > uint64(len(data)-pos) {
			return fmt.Errorf("pickle truncated or corrupt: opcode at byte %d needs %d bytes, %d remain", pos, n, len(data)-pos)
		}
		return nil
	}
	for pos < len(data) {
		op := data[pos]
		pos++
		var n uint64 // bytes of argument that follow
		switch op {
		case '.': // STOP
			return pos, nil
		// no argument
		case '(', ')', '0', '1', '2', ']', '}', 'a', 'b', 'd', 'e', 'l', 'N', 'o', 'Q', 'R', 's', 't', 'u',
			0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98:
			continue
		// newline-terminated arguments
		case 'I', 'L', 'F', 'S', 'V', 'P', 'g', 'p':
			if err := skipLines(data, &pos, 1); err != nil {
				return 0, err
			}
			continue
		case 'c', 'i': // GLOBAL, INST: module and name lines
			if err := skipLines(data, &pos, 2); err != nil {
				return 0, err
			}
			continue
		// fixed-size arguments
		case 'K', 'h', 'q', 0x80, 0x82:
			n = 1
		case 'M', 0x83:
			n = 2
		case 'J', 'j', 'r', 0x84:
			n = 4
		case 'G':
			n = 8
		case 0x95: // FRAME: an 8-byte size, then opcodes as usual
			if err := need(8); err != nil {
				return 0, err
			}
			size := binary.LittleEndian.Uint64(data[pos:])
			pos += 8
			if err := need(size); err != nil {
				return 0, err
			}
			continue
		// length-prefixed arguments
		case 'U', 'C', 0x8c, 0x8a: // 1-byte length
			if err := need(1); err != nil {
				return 0, err
			}
			n = 1 + uint64(data[pos])
		case 'T', 'X', 'B', 0x8b: // 4-byte length
			if err := need(4); err != nil {
				return 0, err
			}
			n = 4 + uint64(binary.LittleEndian.Uint32(data[pos:]))
		case 0x8d, 0x8e, 0x96: // 8-byte length
			if err := need(8); err != nil {
				return 0, err
			}
			l := binary.LittleEndian.Uint64(data[pos:])
			if l > uint64(len(data)) {
				return 0, fmt.Errorf("pickle truncated or corrupt: %d-byte value at byte %d", l, pos)
			}
			n = 8 + l
		default:
			return 0, fmt.Errorf("pickle corrupt: unknown opcode 0x%02x at byte %d", op, pos-1)
		}
		if err := need(n); err != nil {
			return 0, err
		}
		pos += int(n)
	}
	return 0, fmt.Errorf("pickle truncated: no STOP opcode in %d bytes", len(data))
}

func skipLines(data []byte, pos *int, lines int) error {
	for i := 0; i < lines; i++ {
		nl := bytes.IndexByte(data[*pos:], '\n')
		if nl < 0 {
			return fmt.Errorf("pickle truncated: unterminated text argument at byte %d", *pos)
		}
		*pos += nl + 1
	}
	return nil
}

// unpickleAt scans and then unpickles the pickle at data[*pos:], advancing *pos past it.
func unpickleAt(data []byte, pos *int, persistentLoad func(any) (any, error)) (any, error) {
	n, err := scanPickle(data[*pos:])
	if err != nil {
		return nil, err
	}
	u := newUnpickler(bytes.NewReader(data[*pos : *pos+n]))
	u.PersistentLoad = persistentLoad
	*pos += n
	return u.Load()
}
