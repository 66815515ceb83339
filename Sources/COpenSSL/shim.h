#ifndef LOGONYM_COPENSSL_SHIM_H
#define LOGONYM_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* An AES-128-ECB context with padding off, reused for every block batch (Crypto-PAn). */
static inline EVP_CIPHER_CTX *logonym_aes128_ecb_new(const unsigned char *key) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return NULL;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    return ctx;
}

/* Encrypts `length` bytes (a multiple of 16) block by block. Returns 1 on success. */
static inline int logonym_aes128_ecb_encrypt(EVP_CIPHER_CTX *ctx, const unsigned char *in, unsigned char *out,
                                             int length) {
    int written = 0;
    return EVP_EncryptUpdate(ctx, out, &written, in, length) == 1 && written == length;
}

/* HMAC-SHA256 in one call; `out` holds 32 bytes. Returns 1 on success. */
static inline int logonym_hmac_sha256(const unsigned char *key, int keyLength, const unsigned char *data,
                                      size_t dataLength, unsigned char *out) {
    unsigned int outLength = 0;
    return HMAC(EVP_sha256(), key, keyLength, data, dataLength, out, &outLength) != NULL && outLength == 32;
}
#endif
