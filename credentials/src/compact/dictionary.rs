//! The preset DEFLATE dictionary of the compact form, version 1 (`VC1:`). It is part of the
//! format: changing a byte makes earlier compact presentations unreadable, so a change needs a
//! new prefix. It holds the JSON skeletons every vcnet SD-JWT presentation repeats: issuer JWT
//! header and payload, disclosures of each credential kind, key binding JWT. DEFLATE refers back
//! into it at a distance, so the most frequent text comes last (shortest distances).

pub(super) const DICTIONARY: &str = concat!(
    // Study and health records: claim names and values of nested disclosures.
    r#""studentNumber","institution","programme","level","bachelor","master","academicYear","#,
    r#""courses",{"code":"","title":"","credits":,"grade":"","gpa":,"graduation":{"date":""#,
    r#","diplomaNumber":"","honours":"","status":"graduated"}"#,
    r#""healthInsuranceNumber","bloodType","allergies","immunizations",{"vaccine":"","date":""#,
    r#","dose":,"lot":""},"encounters",{"date":"","facility":"","diagnoses":[{"code":"","label":""}]}"#,
    r#","prescriptions",{"medication":"","dosage":"","prescriber":"","startDate":"","endDate":""}"#,
    r#"https://vcnet.id/contexts/study/v1"],"StudyRecordCredential"]"#,
    r#"https://vcnet.id/schemas/study/v1.json"#,
    r#"https://vcnet.id/contexts/health/v1"],"HealthRecordCredential"]"#,
    r#"https://vcnet.id/schemas/health/v1.json"#,
    // Identity: disclosures.
    r#"","personalIdentificationNumber","0"]"#,
    r#"","placeOfOrigin","Xã , Huyện , Tỉnh "]"#,
    r#"","placeOfResidence","Số , Phường , Quận , Thành phố Hà Nội"]"#,
    r#"","dateOfIssue","20"]"#,
    r#"","dateOfExpiry","20"]"#,
    r#"","photoDigest","sha256-"]"#,
    r#"","nationality","VN"]"#,
    r#"","sex","female"]"#,
    r#"","sex","male"]"#,
    r#"","ageOver18",true]"#,
    r#"","fullName","Nguyễn Văn "]"#,
    r#"","dateOfBirth","19"]"#,
    // Issuer-signed JWT header and payload skeleton.
    r#"{"alg":"EdDSA","typ":"vc+sd-jwt","cty":"vc","kid":"did:key:z6Mk"#,
    r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://vcnet.id/contexts/identity/v1"],"#,
    r#""id":"urn:uuid:-4-","type":["VerifiableCredential","IdentityCredential"],"#,
    r#""issuer":"did:key:z6Mk","validFrom":"2026-T00:00:00Z","validUntil":"20T00:00:00Z","#,
    r#""credentialSubject":{"id":"did:key:z6Mk","_sd":[""#,
    r#"",""]},"credentialSchema":{"id":"https://vcnet.id/schemas/identity/v1.json","type":"JsonSchema"},"#,
    r#""credentialStatus":[{"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":"","#,
    r#""statusListCredential":"http://127.0.0.1:/status/did:key:z6Mk/revocation/0","id":"/revocation/0#"},"#,
    r#"{"type":"BitstringStatusListEntry","statusPurpose":"suspension","statusListIndex":"","#,
    r#""statusListCredential":"https://status.vcnet.id/z6Mk/suspension/0","id":"/suspension/0#"}],"#,
    r#""_sd_alg":"sha-256","cnf":{"jwk":{"kty":"OKP","crv":"Ed25519","x":""}}}"#,
    // Key binding JWT.
    r#"{"alg":"EdDSA","typ":"kb+jwt"}{"iat":17,"sd_hash":"","nonce":"","aud":"did:key:z6Mk","exp":17"#,
);
