// Encryption on the device (docs/field.md). One AES-256-GCM data key encrypts every stored
// record. It is kept wrapped (AES-KW) under a key derived from the monitor's passphrase with
// PBKDF2-SHA-256; unwrapped, it is a non-extractable CryptoKey held in memory only.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class WrongPassphrase extends Error {}

export class Tampered extends Error {
  constructor(id) {
    super(`record ${id} does not decrypt`);
    this.id = id;
  }
}

async function wrappingKey(passphrase, salt, iterations) {
  const material = await crypto.subtle.importKey(
    "raw", encoder.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", salt, iterations, hash: "SHA-256" },
    material,
    { name: "AES-KW", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

function unwrap(kek, wrapped) {
  return crypto.subtle.unwrapKey(
    "raw", wrapped, kek, "AES-KW", { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

// A new vault: a random salt and data key, the key wrapped under the passphrase. Answers what
// is stored (salt, iterations, wrapped key: nothing that opens without the passphrase) and the
// data key, unwrapped again as non-extractable.
export async function createVault(passphrase, iterations) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const kek = await wrappingKey(passphrase, salt, iterations);
  let dataKey = await crypto.subtle.generateKey(
    { name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const wrapped = new Uint8Array(await crypto.subtle.wrapKey("raw", dataKey, kek, "AES-KW"));
  dataKey = null;
  return { vault: { salt, iterations, wrapped }, key: await unwrap(kek, wrapped) };
}

// AES-KW checks its own integrity: a wrong passphrase cannot unwrap the key.
export async function openVault(passphrase, vault) {
  const kek = await wrappingKey(passphrase, vault.salt, vault.iterations);
  try {
    return await unwrap(kek, vault.wrapped);
  } catch {
    throw new WrongPassphrase();
  }
}

// A record's id is its additional data: a ciphertext moved to another record does not open.
export async function seal(key, id, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = encoder.encode(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(id) }, key, plain);
  return { id, iv, ct: new Uint8Array(ct) };
}

export async function unseal(key, box) {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: box.iv, additionalData: encoder.encode(box.id) }, key, box.ct);
    return JSON.parse(decoder.decode(plain));
  } catch {
    throw new Tampered(box.id);
  }
}
