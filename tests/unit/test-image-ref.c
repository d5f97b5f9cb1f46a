/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The Image= reference parser (src/oci/image-ref.c): the local forms,
 * podman's normalisation of registry names, and what is refused. Also the
 * OCI document parsers on a few hand-written inputs. */

#include "image-oci.h"
#include "image-ref.h"
#include "tests.h"

static void expect_ref(const char *in, ImageRefType type, const char *string) {
        _cleanup_(image_ref_freep) ImageRef *r = NULL;
        const char *why = NULL;
        int q;

        q = image_ref_parse(in, &r, &why);
        if (q < 0)
                fprintf(stderr, "%s: %s\n", in, why);
        ASSERT_EQ(q, 0);
        ASSERT_EQ(r->type, type);
        ASSERT_STREQ(r->string, string);
}

static void expect_bad(const char *in) {
        _cleanup_(image_ref_freep) ImageRef *r = NULL;
        const char *why = NULL;

        ASSERT_EQ(image_ref_parse(in, &r, &why), -EINVAL);
        ASSERT_TRUE(why && *why);
        ASSERT_TRUE(!r);
}

static void test_registry(void) {
        _cleanup_(image_ref_freep) ImageRef *r = NULL;
        const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        char buf[256];

        printf("-- registry\n");
        expect_ref("busybox", IMAGE_REF_REGISTRY, "docker.io/library/busybox:latest");
        expect_ref("busybox:1.36", IMAGE_REF_REGISTRY, "docker.io/library/busybox:1.36");
        expect_ref("t/img:1", IMAGE_REF_REGISTRY, "docker.io/t/img:1");
        expect_ref("docker.io/library/debian:12", IMAGE_REF_REGISTRY, "docker.io/library/debian:12");
        expect_ref("quay.io/podman/stable", IMAGE_REF_REGISTRY, "quay.io/podman/stable:latest");
        expect_ref("127.0.0.1:5055/t/img:1", IMAGE_REF_REGISTRY, "127.0.0.1:5055/t/img:1");
        expect_ref("localhost/img", IMAGE_REF_REGISTRY, "localhost/img:latest");
        expect_ref("localhost:5000/a/b/c:v1.2-rc_3", IMAGE_REF_REGISTRY, "localhost:5000/a/b/c:v1.2-rc_3");
        expect_ref("a__b/c--d.e", IMAGE_REF_REGISTRY, "docker.io/a__b/c--d.e:latest");

        snprintf(buf, sizeof(buf), "busybox@sha256:%s", hex);
        ASSERT_EQ(image_ref_parse(buf, &r, NULL), 0);
        snprintf(buf, sizeof(buf), "docker.io/library/busybox@sha256:%s", hex);
        ASSERT_STREQ(r->string, buf);
        ASSERT_TRUE(!r->registry_tag);
        ASSERT_STREQ(r->digest + 7, hex);
        r = image_ref_free(r);
        snprintf(buf, sizeof(buf), "reg.example:443/x:tag@sha256:%s", hex);
        ASSERT_EQ(image_ref_parse(buf, &r, NULL), 0);
        ASSERT_STREQ(r->domain, "reg.example:443");
        ASSERT_STREQ(r->repository, "x");
        ASSERT_STREQ(r->registry_tag, "tag");

        expect_bad("");
        expect_bad("Busybox");                  /* upper case in a repository */
        expect_bad("busybox:");                 /* empty tag */
        expect_bad("busybox:-x");               /* a tag starts with a word character */
        expect_bad("busybox@sha256:abc");       /* short digest */
        expect_bad("busybox@md5:0123");
        expect_bad("a//b");
        expect_bad("a/b/");
        expect_bad("-a");
        expect_bad("a..b");
        expect_bad("host:99999999/x");          /* port too long */
        expect_bad("busybox:a b");
}

static void test_local(void) {
        _cleanup_(image_ref_freep) ImageRef *r = NULL;

        printf("-- local forms\n");
        expect_ref("/srv/image", IMAGE_REF_PATH, "/srv/image");
        expect_ref("/srv/image.tar.gz", IMAGE_REF_PATH, "/srv/image.tar.gz");
        expect_ref("oci:/srv/layout", IMAGE_REF_OCI, "oci:/srv/layout");
        expect_ref("oci:/srv/layout:v1", IMAGE_REF_OCI, "oci:/srv/layout:v1");
        expect_ref("oci-archive:/srv/img.tar:img", IMAGE_REF_OCI_ARCHIVE, "oci-archive:/srv/img.tar:img");
        expect_ref("docker-archive:/srv/d.tar", IMAGE_REF_DOCKER_ARCHIVE, "docker-archive:/srv/d.tar");
        /* NAME:TAG of a docker-archive is normalised as a registry name. */
        ASSERT_EQ(image_ref_parse("docker-archive:/srv/d.tar:t/img:1", &r, NULL), 0);
        ASSERT_STREQ(r->path, "/srv/d.tar");
        ASSERT_STREQ(r->tag, "docker.io/t/img:1");
        ASSERT_STREQ(r->string, "docker-archive:/srv/d.tar:docker.io/t/img:1");

        expect_bad("/srv/../etc");
        expect_bad("oci:relative");
        expect_bad("oci:/srv/a/../b");
        expect_bad("oci-archive:/x.tar:");
        expect_bad("docker-archive:/x.tar:Bad:1");
}

static void test_documents(void) {
        static const char manifest[] =
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"size\":10},"
                "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:"
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"size\":5}]}";
        static const char bad_media[] =
                "{\"schemaVersion\":2,"
                "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"size\":10},"
                "\"layers\":[{\"mediaType\":\"application/x-unknown\",\"digest\":\"sha256:"
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"size\":5}]}";
        static const char index[] =
                "{\"schemaVersion\":2,\"manifests\":["
                "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\"sha256:"
                "1111111111111111111111111111111111111111111111111111111111111111\",\"platform\":{\"os\":\"linux\","
                "\"architecture\":\"s390x-not-this\"}}]}";
        OciManifest m = {};
        OciDescriptor *d = NULL;
        ImageError e = {};
        size_t n = 0, pick;

        printf("-- documents\n");
        ASSERT_EQ(oci_manifest_parse(manifest, strlen(manifest), &m, &e), 0);
        ASSERT_EQ(m.n_layers, 1);
        oci_manifest_done(&m);
        ASSERT_EQ(oci_manifest_parse(bad_media, strlen(bad_media), &m, &e), -EMEDIUMTYPE);
        ASSERT_TRUE(strstr(e.msg, "application/x-unknown"));
        ASSERT_EQ(oci_manifest_parse("{", 1, &m, &e), -EBADMSG);
        ASSERT_EQ(oci_index_parse(index, strlen(index), &d, &n, &e), 0);
        ASSERT_EQ(n, 1);
        /* Another architecture only: the message says what there is. */
        ASSERT_EQ(oci_index_pick(d, n, NULL, &pick, &e), -ENOENT);
        ASSERT_TRUE(strstr(e.msg, "linux/s390x-not-this"));
        oci_descriptors_free(d, n);
}

int main(void) {
        test_registry();
        test_local();
        test_documents();
        return 0;
}
