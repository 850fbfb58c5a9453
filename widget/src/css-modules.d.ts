/** `import styles from "./styles.css"`: the build inlines the minified stylesheet as a string. */
declare module "*.css" {
  const css: string;
  export default css;
}
