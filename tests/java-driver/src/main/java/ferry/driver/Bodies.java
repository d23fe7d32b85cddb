package ferry.driver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic message bodies and their hashes. */
final class Bodies {
  private static final byte[] FILLER =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".getBytes(StandardCharsets.US_ASCII);

  private Bodies() {}

  /**
   * Body of message i: "<prefix><i>", then, when size >= 0, cut or padded to exactly size bytes
   * with a repeating alphanumeric pattern (so it compresses well, which --compress-over needs).
   */
  static byte[] body(String prefix, long i, int size) {
    byte[] head = (prefix + i).getBytes(StandardCharsets.UTF_8);
    if (size < 0) return head;
    byte[] out = new byte[size];
    int n = Math.min(size, head.length);
    System.arraycopy(head, 0, out, 0, n);
    for (int k = n; k < size; k++) out[k] = FILLER[(int) ((k + i) % FILLER.length)];
    return out;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data == null ? new byte[0] : data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
