//! Central sign-in, scopes and MSP against a running lab over real TLS.
