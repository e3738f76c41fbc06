/** Stylesheets are bundled by esbuild; importing one only adds it to the build. */
declare module '*.css';
